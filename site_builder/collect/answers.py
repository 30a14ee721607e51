"""Per-record answers of the collect endpoint, from what ingest did with one batch.

stored: accepted from this batch; known: the ledger held it already (a batch sent twice, or a record
sent before); conflict: the same id with other content is held, this one was kept aside; rejected: not
valid, with the Chinese reasons. stored and known mean the record has arrived; the app marks it sent.
"""

from __future__ import annotations

import sqlite3
from typing import Mapping

from site_builder.ledger import accept, formats
from site_builder.ledger.ingest import FileReport

STORED, KNOWN, CONFLICT, REJECTED = "stored", "known", "conflict", "rejected"


def of(conn: sqlite3.Connection, report: FileReport, data: bytes, keys: Mapping | None) -> list[dict]:
    """One answer per record of the batch, in its order: {position, id, status, reason}."""
    export = formats.read(data, keys)  # opened again: ingest keeps no per-record list, and it is cheap
    ids = [record.get("id") if isinstance(record, dict) and isinstance(record.get("id"), str) else None
           for record in export.records]
    rejected = dict(conn.execute("SELECT position, reason FROM rejections WHERE file_sha256 = ?", (report.sha256,)))
    if report.status == "ingested":
        conflicts = set(report.conflicts)
        stored = {row[0] for row in conn.execute("SELECT id FROM records WHERE file_sha256 = ?", (report.sha256,))}
    else:  # the same bytes came before: nothing new was stored now
        conflicts = {row[0] for row in conn.execute("SELECT record_id FROM conflicts WHERE file_sha256 = ?", (report.sha256,))}
        stored = set()
    answers = []
    for position, record_id in enumerate(ids):
        if position in rejected:
            status, reason = REJECTED, rejected[position]
        elif record_id in conflicts:
            status, reason = CONFLICT, accept.CONFLICT_REASON
        elif record_id in stored:
            status, reason = STORED, None
        else:
            status, reason = KNOWN, None
        answers.append({"position": position, "id": record_id, "status": status, "reason": reason})
    return answers
