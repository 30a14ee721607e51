"""An organiser's decisions on check-ins: confirm (hours count) or reject (they do not; never deleted).

Each decision is a new row in `decisions` (history kept, latest wins) and sets checkins.verification,
all in one transaction. Decisions come from `site-builder ledger confirm|reject RECORD_ID...` or from a
confirmation CSV with columns record_id,decision,by,note.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from site_builder import rules
from site_builder.errors import ContentErrors, Problem
from site_builder.ledger import trust
from site_builder.ledger.db import transaction
from site_builder.ledger.roster import table_error, table_text

WORDS = {"confirmed": "confirmed", "confirm": "confirmed", "确认": "confirmed", "通过": "confirmed",
         "rejected": "rejected", "reject": "rejected", "退回": "rejected", "不予认定": "rejected"}
COLUMNS = ("record_id", "decision")


@dataclass(frozen=True)
class Decision:
    record_id: str
    decision: str  # confirmed | rejected
    by: str | None = None
    note: str | None = None


def check(conn: sqlite3.Connection, wanted: list[tuple[Decision, str, int | None]]) -> list[Problem]:
    """Problems with the decisions (unknown record, not a check-in), each located at (source, line)."""
    problems = []
    for decision, source, line in wanted:
        row = conn.execute("SELECT r.type, c.record_id FROM records r LEFT JOIN checkins c ON c.record_id = r.id WHERE r.id = ?",
                           (decision.record_id,)).fetchone()
        if row is None:
            problems.append(Problem(source, line, f"记录 {decision.record_id} 不在台账中", "site-builder ledger list 列出的记录编号"))
        elif row[1] is None and not _awaits(conn, decision.record_id):
            problems.append(Problem(source, line, f"记录 {decision.record_id} 是{rules.record_type_name(row[0])}记录，不是已知活动的签到，也不待确认",
                                    "签到记录或待确认记录的编号（site-builder ledger list --type checkin、--flag correction_unconfirmed）"))
    return problems


def _awaits(conn: sqlite3.Connection, record_id: str) -> bool:
    """A record that takes effect only once confirmed (a correction, consent from another phone: trust.py)."""
    marks = ",".join("?" * len(trust.AWAITING))
    return conn.execute(f"SELECT 1 FROM flags WHERE record_id = ? AND flag IN ({marks})",
                        (record_id, *sorted(trust.AWAITING))).fetchone() is not None


def apply(conn: sqlite3.Connection, wanted: list[tuple[Decision, str, int | None]], now: str) -> int:
    problems = check(conn, wanted)
    if problems:
        raise ContentErrors(problems)
    with transaction(conn):
        for decision, _, _ in wanted:
            conn.execute("INSERT INTO decisions(record_id, decision, decided_at, decided_by, note) VALUES (?,?,?,?,?)",
                         (decision.record_id, decision.decision, now, decision.by, decision.note))
            conn.execute("UPDATE checkins SET verification = ? WHERE record_id = ?", (decision.decision, decision.record_id))
    return len(wanted)


def from_csv(path: Path) -> list[tuple[Decision, str, int | None]]:
    """Read a confirmation CSV; every problem is reported at once, located by line."""
    rows = csv.DictReader(io.StringIO(table_text(path, "确认表", "record_id,decision,by,note")))
    try:
        return _decisions(path, rows)
    except csv.Error as error:
        raise table_error(path, rows, error, "确认表", "record_id,decision,by,note") from None


def _decisions(path: Path, rows: csv.DictReader) -> list[tuple[Decision, str, int | None]]:
    header = [h.strip() for h in rows.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ContentErrors([Problem(str(path), 1, f"缺少列：{'、'.join(missing)}", "表头为 record_id,decision,by,note")])
    found: list[tuple[Decision, str, int | None]] = []
    problems: list[Problem] = []
    for line, row in enumerate(rows, start=2):
        cells = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        decision = WORDS.get(cells.get("decision", "").lower())
        if decision is None:
            problems.append(Problem(str(path), line, f"无法理解 decision 列的 {cells.get('decision')!r}", "确认或退回（confirmed / rejected）"))
            continue
        found.append((Decision(cells["record_id"], decision, cells.get("by") or None, cells.get("note") or None), str(path), line))
    if problems:
        raise ContentErrors(problems)
    return found
