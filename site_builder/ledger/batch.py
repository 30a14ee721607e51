"""Offering a file's records to the ledger a batch at a time, with the outcomes accept.offer() gives one
record at a time, but with bulk lookups and batched writes, so ingest's cost per record does not grow
with the ledger.

Per batch of at most BATCH records (inside the file's one transaction):

1. every record has been prepared (ledger/prepare.py: schema, canonical JSON and digest, content checks,
   flags and check-in row: pure work, done in worker processes for a big file);
2. ONE indexed query finds which of the batch's ids the ledger holds, with their digests, and ONE finds
   which of them a stored correction names (`replaces`, partial index records_replaces);
3. records are decided in file order against those answers plus what this batch has accepted so far
   (a duplicate id later in the same batch is known, or a conflict); accepted rows wait in memory;
4. a record that takes part in a correction (it carries `replaces`, or a stored or earlier record names
   it) first writes the waiting rows, then goes through accept.offer() itself, so correction chains see
   exactly the ledger they would see one record at a time; so does a registration switching the
   honour-roll consent on (the card's first registration, which decides whether it waits for an
   organiser, may be among the waiting rows);
5. the waiting rows are written with executemany: records, check-ins, flags, conflicts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from site_builder.ledger import accept, prepare, trust
from site_builder.ledger.db import chunks, marks
from site_builder.ledger.flagstore import insert_flags
from site_builder.ledger.accept import ACCEPTED, CONFLICT, KNOWN, REJECTED, Outcome, Settings
from site_builder.ledger.prepare import Prepared

BATCH = 500  # records per batch, and at most this many ids in one `IN (...)`


@dataclass
class Offered:
    """One record of the file and what became of it."""

    position: int  # index in the file's records
    record_id: str | None  # the record's id when it has a string one (also for rejected records)
    outcome: Outcome


@dataclass
class _Waiting:
    """Rows of accepted records (and conflicts) not yet written; written in this order (foreign keys)."""

    records: list[tuple] = field(default_factory=list)
    checkins: list[tuple] = field(default_factory=list)
    flags: list[tuple] = field(default_factory=list)
    conflicts: list[tuple] = field(default_factory=list)
    registered: set[str] = field(default_factory=set)  # cards of the registrations among the waiting rows

    def write(self, conn: sqlite3.Connection) -> None:
        if self.records:
            conn.executemany(accept.INSERT_RECORD, self.records)
        if self.checkins:
            conn.executemany(accept.INSERT_CHECKIN, self.checkins)
        if self.flags:
            insert_flags(conn, self.flags)  # flags of records new to the ledger: none of them is there yet
        if self.conflicts:
            conn.executemany(accept.INSERT_CONFLICT, self.conflicts)
        for rows in (self.records, self.checkins, self.flags, self.conflicts, self.registered):
            rows.clear()


def stored_digests(conn: sqlite3.Connection, records: list) -> dict[str, str]:
    """Record id -> digest for the ids of `records` the ledger holds (none when it holds no record yet:
    its first file is not asked about 200 times for 100,000 records)."""
    if conn.execute("SELECT 1 FROM records LIMIT 1").fetchone() is None:
        return {}
    return _digests_of(conn, [r["id"] for r in records if isinstance(r, dict) and isinstance(r.get("id"), str)])


def _digests_of(conn: sqlite3.Connection, ids: list[str]) -> dict[str, str]:
    """Record id -> digest of those of `ids` the ledger holds (by the primary key, BATCH at a time)."""
    found: dict[str, str] = {}
    for part in chunks(list(dict.fromkeys(ids))):
        found.update(conn.execute(f"SELECT id, digest FROM records WHERE id IN ({marks(len(part))})", part))
    return found


class Offering:
    """Offers the records of one file, batch by batch, inside the file's transaction."""

    def __init__(self, conn: sqlite3.Connection, file_sha: str, device: str | None, settings: Settings,
                 correctable: bool = False, stored: dict[str, str] | None = None):
        self.conn, self.file_sha, self.device, self.settings = conn, file_sha, device, settings
        self.correctable = correctable  # 民主测评 CSV: a changed row becomes a correction
        # id -> digest of what the ledger holds: stored_digests() of the whole file when given (an id absent
        # from it is then known absent), and what this file stores; stored records never change
        self.stored = dict(stored or {})
        self.whole = stored is not None
        self.unsure: set[str] = set()  # ids a correction took through accept.offer(): asked of the ledger again
        self.waiting = _Waiting()
        self.digests: dict[str, str | None] = {}  # id -> digest in the ledger (or accepted in this batch), None: absent
        self.replaced: set[str] = set()  # ids of this batch that a stored record names in `replaces`
        self.named = True  # a stored record may name one of the file's ids (expect_corrections)

    def expect_corrections(self, records: list) -> None:
        """Find out (self.named) whether a stored record may name one of the ids of `records` (the whole
        file) in `replaces`: not when neither the ledger nor the file holds a record with `replaces` and the
        file makes no corrections of its own (a 民主测评 CSV does); then the batches need not ask (a query
        per batch)."""
        if self.correctable or any(type(record) is dict and record.get("replaces") for record in records):
            return
        self.named = self.conn.execute("SELECT 1 FROM records WHERE replaces IS NOT NULL LIMIT 1").fetchone() is not None

    def offer(self, records: list, start: int, prepared: list[Prepared]) -> list[Offered]:
        """Offer records (at most BATCH) that sit at positions start, start + 1, … of the file, each with
        what prepare.prepare() found of it (prepared[i] for records[i])."""
        self._look_up([record["id"] for record, one in zip(records, prepared) if not one.reasons])
        offered = []
        for offset, (record, one) in enumerate(zip(records, prepared)):
            if one.reasons:
                outcome = Outcome(REJECTED, one.record_id, one.reasons)
            else:
                outcome = self._offer_one(record if one.record is None else one.record, one)
            offered.append(Offered(start + offset, one.record_id, outcome))
        self.waiting.write(self.conn)
        return offered

    def _look_up(self, ids: list[str]) -> None:
        """What the ledger holds for this batch's ids: one query for digests, one for corrections naming them."""
        unique = list(dict.fromkeys(ids))
        stored, unsure = self.stored, self.unsure
        self.digests = {record_id: stored.get(record_id) for record_id in unique}  # None: not found (yet)
        self.replaced = set()
        asked = [record_id for record_id in unique
                 if record_id in unsure or (not self.whole and record_id not in stored)]
        self.digests.update(_digests_of(self.conn, asked))
        for part in chunks(unique) if self.named else ():
            self.replaced.update(r for (r,) in self.conn.execute(
                f"SELECT DISTINCT replaces FROM records WHERE replaces IN ({marks(len(part))})", part))

    def _offer_one(self, record: dict, prepared: Prepared) -> Outcome:
        body, digest = prepared.body, prepared.digest
        record_id = record["id"]
        stored = self._digest(record_id)
        if stored is not None and stored != digest:
            if self.correctable:
                return self._one_by_one(record)
            self.waiting.conflicts.append((record_id, digest, body, self.file_sha, self.settings.now))
            return Outcome(CONFLICT, record_id, [accept.CONFLICT_REASON])
        if stored is not None:
            return Outcome(KNOWN, record_id)
        if record.get("replaces") or record_id in self.replaced:
            return self._one_by_one(record)
        return self._accept(record, prepared)

    def _accept(self, record: dict, prepared: Prepared) -> Outcome:
        """A new record outside any correction: judged against the content (prepare.judge: in a worker for
        a big file), its rows wait for the batch write."""
        if not prepared.judged:  # checked here, not in a worker: judged only now that it is new
            prepared = prepare.judge(prepared, record, self.settings)
        if prepared.problems:
            return Outcome(REJECTED, record["id"], prepared.problems)
        flags = prepared.flags if prepared.flags is not None else {}
        record_id, waiting = record["id"], self.waiting
        if record["type"] == "registration":  # the only type with registration flags (a query each)
            if record["card"] in waiting.registered and trust.honour_roll(record):
                waiting.write(self.conn)  # the card's first registration may be one waiting in this batch
            flags.update(trust.registration_flags(self.conn, record, self.device, self.settings.roster))
            waiting.registered.add(record["card"])
        waiting.records.append(accept.record_row(record, prepared.body, prepared.digest, self.file_sha,
                                                 self.device, self.settings.now))
        if prepared.checkin is not None:
            waiting.checkins.append(prepared.checkin)
        if flags:
            waiting.flags += accept.flag_rows(record_id, flags)
        self.digests[record_id] = self.stored[record_id] = prepared.digest
        return Outcome(ACCEPTED, record_id, flags=flags)

    def _one_by_one(self, record: dict) -> Outcome:
        """A record in a correction: the waiting rows are written, then accept.offer() decides with SQL."""
        self.waiting.write(self.conn)
        outcome = accept.offer(self.conn, record, self.file_sha, self.device, self.settings, self.correctable)
        for changed in (record["id"], outcome.record_id):
            if changed:
                self.digests.pop(changed, None)  # looked up again if this batch meets it again
                self.unsure.add(changed)  # and if a later batch does
        if outcome.status == ACCEPTED:
            self.replaced.update(r for r in (record.get("replaces"), record["id"]) if r)
        return outcome

    def _digest(self, record_id: str) -> str | None:
        if record_id not in self.digests:  # only after a correction changed what the batch knew
            row = self.conn.execute("SELECT digest FROM records WHERE id = ?", (record_id,)).fetchone()
            self.digests[record_id] = row[0] if row else None
        return self.digests[record_id]
