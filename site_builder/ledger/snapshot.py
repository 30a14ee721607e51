"""Read side of the ledger: the effective records (not superseded by a correction) as plain values.

Aggregates and reports read the ledger only through read(), in a fixed number of queries (seven,
whatever the size of the ledger); ingest is the only writer. digest() fingerprints the content cheaply.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from site_builder import guard
from site_builder.errors import LedgerError
from site_builder.ledger import staff
from site_builder.ledger.trust import AWAITING, CORRECTION_UNCONFIRMED

COUNTED = ("verified", "confirmed")  # check-in verifications whose hours count


@dataclass(frozen=True)
class Record:
    id: str
    type: str
    card: str
    created_at: dt.datetime
    body: dict
    flags: frozenset[str] = frozenset()
    decision: str | None = None  # an organiser's latest decision on it: confirmed | rejected

    def get(self, key: str, default=None):
        return self.body.get(key, default)

    @property
    def awaiting(self) -> bool:
        """Flagged to take effect only once an organiser confirms it (ledger/trust.py), and not confirmed."""
        return bool(self.flags & AWAITING) and self.decision != "confirmed"


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
    # effective record id -> created_at of the first record in its `replaces` chain (only for corrections)
    origins: dict[str, dt.datetime] = field(default_factory=dict)
    # Staff decisions (ledger/staff.sql, ledger/staff.py): the latest per key
    claim_decisions: dict[tuple[str, str, int], str] = field(default_factory=dict)  # (card, post, year) -> decision
    receipts: dict[tuple[str, int], str] = field(default_factory=dict)  # (card, year) -> day the 回执 came back
    diary_selected: frozenset[str] = frozenset()  # diary record ids picked for 择优报送

    def first_created(self, record: Record) -> dt.datetime:
        """When the thing this record states was first recorded (a correction keeps the original's time)."""
        return self.origins.get(record.id, record.created_at)

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
        raise LedgerError(f"{path}：无法读取台账，{guard.sqlite_reason(error)}；应为 site-builder ingest 写入的台账") from None


# What digest() reads: the newest row of each table the writers append to (by rowid: an index lookup).
_NEWEST = {
    "files": "sha256 || status",
    "records": "id || digest || ifnull(superseded_by, '')",
    "flags": "record_id || flag",
    "checkins": "record_id || verification",
    "conflicts": "record_id || digest",
    "rejections": "file_sha256 || position",
    "decisions": "record_id || decision || decided_at",
}


def digest(path: Path) -> str | None:
    """A short fingerprint of the ledger's current content, cheap to compute (a few indexed lookups, no
    scan): None when there is no ledger file. Any committed ingest, confirm, reject or decide changes it
    (meta 'generation' counts every transaction that changed a row, ledger/db.py), and two ledgers with
    different content differ in it (the newest row of each table is part of it). The build uses it to
    know whether public figures may have changed."""
    if not Path(path).exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            facts = [_meta(conn, "schema_version"), _meta(conn, "generation")]
            for table, newest in _NEWEST.items():
                facts.append(conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0])
                facts.append(conn.execute(f"SELECT {newest} FROM {table} ORDER BY rowid DESC LIMIT 1").fetchone())
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise LedgerError(f"{path}：无法读取台账，{guard.sqlite_reason(error)}；应为 site-builder ingest 写入的台账") from None
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False, default=list).encode("utf-8")).hexdigest()[:32]


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None


def _read(conn: sqlite3.Connection) -> Snapshot:
    as_of = conn.execute("SELECT max(ingested_at) FROM records").fetchone()[0]
    files = conn.execute("SELECT count(*) FROM files WHERE status = 'ingested'").fetchone()[0]
    flags: dict[str, set[str]] = {}
    for record_id, flag in conn.execute("SELECT record_id, flag FROM flags"):
        flags.setdefault(record_id, set()).add(flag)
    snap = Snapshot(as_of=as_of, files=files)
    decided = _decisions(conn)
    stamps: dict[str, str] = {}  # created_at as stored, of records standing in for a waiting correction
    by_id: dict[str, Record] = {}
    rows = conn.execute(
        "SELECT id, type, card, created_at, body, replaces FROM records WHERE superseded_by IS NULL ORDER BY created_at, id"
    )
    effective: list[tuple[str, str, Record]] = []  # (created_at as stored, id, record): the order of before
    for record_id, type_, card, created_at, body, replaces in rows:
        record: Record | None = Record(record_id, type_, card, dt.datetime.fromisoformat(created_at), json.loads(body),
                                       frozenset(flags.get(record_id, ())), decided.get(record_id))
        if record is not None and CORRECTION_UNCONFIRMED in record.flags and record.awaiting:
            record = _in_effect_before(conn, replaces, flags, decided, stamps)  # the correction waits for an organiser
        if record is not None and record.id not in by_id:
            effective.append((stamps.get(record.id, created_at), record.id, record))
            by_id[record.id] = record
    for _, _, record in sorted(effective, key=lambda item: item[:2]):
        snap.records.setdefault(record.type, []).append(record)
    rows = conn.execute(
        "SELECT record_id, activity, community, team, activity_date, hours, verification FROM checkins ORDER BY activity_date, record_id"
    )
    for record_id, activity, community, team, day, hours, verification in rows:
        verification = decided.get(record_id, verification)
        if record_id in by_id:
            snap.checkins.append(CheckIn(by_id[record_id], activity, community, team, dt.date.fromisoformat(day),
                                         float(hours), verification))
    snap.origins = _origins(conn, by_id)
    staff.read_into(conn, snap)
    return snap


def _in_effect_before(conn: sqlite3.Connection, replaces: str | None, flags: dict[str, set[str]],
                      decided: dict[str, str], stamps: dict[str, str]) -> Record | None:
    """What stands while a correction waits for an organiser's confirmation: the record it corrects, or
    that one's own predecessor if it waits too (None: nothing before it). One query per step, only for
    corrections that wait."""
    seen: set[str] = set()
    while replaces and replaces not in seen:
        seen.add(replaces)
        row = conn.execute("SELECT id, type, card, created_at, body, replaces FROM records WHERE id = ?", (replaces,)).fetchone()
        if row is None:
            return None
        record_id, type_, card, created_at, body, replaces = row
        record = Record(record_id, type_, card, dt.datetime.fromisoformat(created_at), json.loads(body),
                        frozenset(flags.get(record_id, ())), decided.get(record_id))
        if not (CORRECTION_UNCONFIRMED in record.flags and record.awaiting):
            stamps[record_id] = created_at
            return record
    return None


def _origins(conn: sqlite3.Connection, effective: dict[str, Record]) -> dict[str, dt.datetime]:
    """For each effective correction, the created_at of the oldest record it (transitively) replaces.

    Only records in a correction chain are read: those naming another in `replaces`, and those named
    (the partial index records_replaces finds both)."""
    chain = {rid: (replaces, created_at) for rid, replaces, created_at in conn.execute(
        "SELECT id, replaces, created_at FROM records WHERE replaces IS NOT NULL"
        " UNION SELECT id, replaces, created_at FROM records"
        " WHERE id IN (SELECT replaces FROM records WHERE replaces IS NOT NULL)")}
    origins: dict[str, dt.datetime] = {}
    for record_id in (r for r in effective if r in chain):
        seen, current = {record_id}, chain[record_id][0]
        first = None
        while current in chain and current not in seen:
            seen.add(current)
            first = chain[current][1]
            current = chain[current][0]
        if first is not None:
            origins[record_id] = dt.datetime.fromisoformat(first)
    return origins


def _decisions(conn: sqlite3.Connection) -> dict[str, str]:
    """The latest organiser's decision (confirmed | rejected) per check-in; it overrides the verification."""
    latest: dict[str, str] = {}
    for record_id, decision in conn.execute("SELECT record_id, decision FROM decisions ORDER BY decided_at, rowid"):
        latest[record_id] = decision
    return latest
