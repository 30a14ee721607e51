"""Staff decisions kept beside the records (ledger/staff.sql): approval of claimed posts, the 报到卡 回执
returned to the unit, and diary entries picked for 择优报送. History is kept; the latest row wins.

Writers here run inside one db.transaction() each (so meta 'generation' advances and a build sees the
change); snapshot.read() reads the latest of each through read_into(). The rule on claims (capacity,
waiting list) is in ledger/claims.py; this module only stores and reads.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import TYPE_CHECKING

from site_builder.errors import UsageError
from site_builder.ledger.db import transaction

if TYPE_CHECKING:
    from site_builder.ledger.snapshot import Snapshot

CLAIM_DECISIONS = ("approved", "declined", "pending")
CLAIM_DECISION_NAMES = {"approved": "已同意", "declined": "未同意", "pending": "待审核", "waiting": "候补"}


def _has(conn: sqlite3.Connection, table: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


def read_into(conn: sqlite3.Connection, snap: "Snapshot") -> None:
    """The latest staff decisions into the snapshot (a ledger never opened by this version has none)."""
    if _has(conn, "claim_decisions"):
        latest: dict[tuple[str, str, int], str] = {}
        for card, post, year, decision in conn.execute(
                "SELECT card, post, year, decision FROM claim_decisions ORDER BY decided_at, rowid"):
            latest[(card, post, int(year))] = decision
        snap.claim_decisions = latest
    if _has(conn, "receipts"):
        receipts: dict[tuple[str, int], str] = {}
        for card, year, returned, day in conn.execute(
                "SELECT card, year, returned, returned_on FROM receipts ORDER BY recorded_at, rowid"):
            if returned:
                receipts[(card, int(year))] = day or ""
            else:
                receipts.pop((card, int(year)), None)
        snap.receipts = receipts
    if _has(conn, "diary_selections"):
        chosen: dict[str, bool] = {}
        for record_id, selected in conn.execute(
                "SELECT record_id, selected FROM diary_selections ORDER BY decided_at, rowid"):
            chosen[record_id] = bool(selected)
        snap.diary_selected = frozenset(r for r, yes in chosen.items() if yes)


def latest_claim_decisions(conn: sqlite3.Connection, post: str, year: int) -> dict[str, str]:
    """card -> latest decision on `post` this year (read inside the deciding transaction)."""
    latest: dict[str, str] = {}
    for card, decision in conn.execute("SELECT card, decision FROM claim_decisions WHERE post = ? AND year = ?"
                                       " ORDER BY decided_at, rowid", (post, year)):
        latest[card] = decision
    return latest


def add_claim_decision(conn: sqlite3.Connection, card: str, post: str, year: int, decision: str, now: str,
                       by: str | None, note: str | None) -> None:
    if decision not in CLAIM_DECISIONS:
        raise ValueError(decision)
    conn.execute("INSERT INTO claim_decisions(card, post, year, decision, decided_at, decided_by, note)"
                 " VALUES (?,?,?,?,?,?,?)", (card, post, year, decision, now, by or None, note or None))


def record_receipt(conn: sqlite3.Connection, cards: list[str], year: int, returned: bool, day: dt.date | None,
                   now: str, by: str | None) -> int:
    """The 回执 of these cards came back to the unit on `day` (returned=False withdraws a mistaken entry)."""
    with transaction(conn):
        conn.executemany("INSERT INTO receipts(card, year, returned, returned_on, recorded_at, recorded_by)"
                         " VALUES (?,?,?,?,?,?)",
                         [(card, year, int(returned), day.isoformat() if day and returned else None, now, by or None)
                          for card in cards])
    return len(cards)


def select_diaries(conn: sqlite3.Connection, chosen: dict[str, bool], now: str, by: str | None) -> int:
    """Pick (True) or unpick (False) diary records for 择优报送; every id must be a diary record."""
    unknown = [rid for rid in chosen if (conn.execute("SELECT type FROM records WHERE id = ?", (rid,)).fetchone()
                                         or ("",))[0] != "diary"]
    if unknown:
        raise UsageError(f"记录 {unknown[0]}：不是台账中的民情日记；应为民情日记的记录编号")
    with transaction(conn):
        conn.executemany("INSERT INTO diary_selections(record_id, selected, decided_at, decided_by) VALUES (?,?,?,?)",
                         [(rid, int(yes), now, by or None) for rid, yes in sorted(chosen.items())])
    return len(chosen)
