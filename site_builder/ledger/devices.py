"""Which phone brought a check-in: the card's phone (bound at 报到) or another, and how many cards one
phone checks in. A hint for the organiser, never proof (docs/ledger.md, "What a check-in proves").

The device id is the random id the app makes once per installation and writes into every export (and,
since issue 10, into the registration: `device`). After a file's records are stored (inside the file's
transaction) review() flags the file's check-ins

- `device_mismatch`: the card's effective registration was made on another phone;
- `shared_device`: this phone has brought check-ins of more than MAX_CARDS cards;

and holds them for the organiser: a check-in whose code matched (`verified`) becomes `unverified` until
`site-builder ledger confirm` (or `reject`). A check-in that arrives before its card's registration is
not compared (there is nothing to compare with yet); check-ins stored before a phone passed MAX_CARDS are
not flagged again.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter

from site_builder.ledger.flagstore import insert_flags, insert_selected

MAX_CARDS = 2  # a couple sharing a phone is common; a third card on one phone is worth a look
DEVICE_MISMATCH, SHARED_DEVICE = "device_mismatch", "shared_device"


def _short(device: str) -> str:
    return device[:8] + "…" if len(device) > 8 else device


def registered_device(conn: sqlite3.Connection, card: str) -> str | None:
    """The phone the card's effective registration names (its `device`, else the phone that sent it)."""
    row = conn.execute("SELECT body, device FROM records WHERE card = ? AND type = 'registration' AND superseded_by IS NULL"
                       " ORDER BY created_at DESC, rowid DESC LIMIT 1", (card,)).fetchone()
    if row is None:
        return None
    named = json.loads(row[0]).get("device")
    return named if isinstance(named, str) and named else row[1]


def review(conn: sqlite3.Connection, after_row: int, after_checkin: int, device: str | None) -> Counter:
    """Flag the check-ins this file brought: the records stored after rowid `after_row` in the file's
    transaction, whose `checkins` rows are those after rowid `after_checkin` (ranges of the rowid, whatever
    the size of the ledger). Returns the flags added, counted. The file's check-ins never pass through
    Python: their cards are asked with DISTINCT, and shared_device is written by one INSERT … SELECT."""
    added: Counter = Counter()
    if not device:
        return added
    cards = [card for (card,) in conn.execute(f"SELECT DISTINCT card {_CHECKINS}", (after_row,))]
    if not cards:
        return added
    count = conn.execute("SELECT COUNT(DISTINCT card) FROM records WHERE device = ? AND type = 'checkin'", (device,)).fetchone()[0]
    mismatched = {}  # card -> device_mismatch's detail
    for card in cards:
        home = registered_device(conn, card)
        if home and home != device:
            mismatched[card] = f"报到卡 {card} 在另一部手机（设备 {_short(home)}）上报到，这次签到来自设备 {_short(device)}，待组织者确认"
    if mismatched:  # only review() sets these two flags
        rows = [(record_id, DEVICE_MISMATCH, mismatched[card])
                for record_id, card in conn.execute(f"SELECT id, card {_CHECKINS}", (after_row,)) if card in mismatched]
        insert_flags(conn, rows)
        added[DEVICE_MISMATCH] = len(rows)
    if count > MAX_CARDS:  # every check-in of the file is held: their rows are the file's, a range of the rowid
        detail = f"同一部手机（设备 {_short(device)}）已为 {count} 个报到卡签到，待组织者确认"
        added[SHARED_DEVICE] = insert_selected(conn, f"SELECT id, ?, ? {_CHECKINS}", (SHARED_DEVICE, detail, after_row))
        conn.execute("UPDATE checkins SET verification = 'unverified' WHERE rowid > ? AND verification = 'verified'",
                     (after_checkin,))
    elif mismatched:
        conn.executemany("UPDATE checkins SET verification = 'unverified' WHERE record_id = ? AND verification = 'verified'",
                         [(record_id,) for record_id, _, _ in rows])
    return added


_CHECKINS = "FROM records WHERE rowid > ? AND type = 'checkin'"  # the file's check-ins (review's `after_row`)
