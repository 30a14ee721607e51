"""Read side of the ledger: the effective records (not superseded by a correction) as plain values.

Aggregates and reports read the ledger only through read(); ingest is the only writer.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.errors import LedgerError

COUNTED = ("verified", "confirmed")  # check-in verifications whose hours count


@dataclass(frozen=True)
class Record:
    id: str
    type: str
    card: str
    created_at: dt.datetime
    body: dict
    flags: frozenset[str] = frozenset()

    def get(self, key: str, default=None):
        return self.body.get(key, default)


@dataclass(frozen=True)
class CheckIn:
    record: Record
    activity: str
    community: str | None
    team: str | None
    activity_date: dt.date
    hours: float
    verification: str  # verified | unverified | confirmed | rejected

    @property
    def card(self) -> str:
        return self.record.card

    @property
    def counts(self) -> bool:
        return self.verification in COUNTED


@dataclass
class Snapshot:
    as_of: str | None  # latest ingested_at in the ledger (None when empty)
    files: int  # files ingested (not quarantined)
    records: dict[str, list[Record]] = field(default_factory=dict)  # by type, oldest first
    checkins: list[CheckIn] = field(default_factory=list)

    def of(self, type_: str) -> list[Record]:
        return self.records.get(type_, [])

    @property
    def counted(self) -> int:
        return sum(len(v) for v in self.records.values())


def empty() -> Snapshot:
    return Snapshot(as_of=None, files=0)


def read(path: Path) -> Snapshot:
    """The effective records of the ledger at path; an empty snapshot when the file does not exist."""
    if not Path(path).exists():
        return empty()
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return _read(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise LedgerError(f"{path}: cannot read the ledger ({error}); expected a ledger written by site-builder ingest") from None


def _read(conn: sqlite3.Connection) -> Snapshot:
    as_of = conn.execute("SELECT max(ingested_at) FROM records").fetchone()[0]
    files = conn.execute("SELECT count(*) FROM files WHERE status = 'ingested'").fetchone()[0]
    flags: dict[str, set[str]] = {}
    for record_id, flag in conn.execute("SELECT record_id, flag FROM flags"):
        flags.setdefault(record_id, set()).add(flag)
    snap = Snapshot(as_of=as_of, files=files)
    by_id: dict[str, Record] = {}
    rows = conn.execute(
        "SELECT id, type, card, created_at, body FROM records WHERE superseded_by IS NULL ORDER BY created_at, id"
    )
    for record_id, type_, card, created_at, body in rows:
        record = Record(record_id, type_, card, dt.datetime.fromisoformat(created_at), json.loads(body),
                        frozenset(flags.get(record_id, ())))
        by_id[record_id] = record
        snap.records.setdefault(type_, []).append(record)
    rows = conn.execute(
        "SELECT record_id, activity, community, team, activity_date, hours, verification FROM checkins ORDER BY activity_date, record_id"
    )
    for record_id, activity, community, team, day, hours, verification in rows:
        if record_id in by_id:
            snap.checkins.append(CheckIn(by_id[record_id], activity, community, team, dt.date.fromisoformat(day),
                                         float(hours), verification))
    return snap
