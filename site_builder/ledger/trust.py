"""What a record may change on its own word, and what waits for an organiser (issue 12, case 2).

Anyone who can put a file in the inbox can write any record for any card. So:

- **Names** shown publicly come from the roster (data/roster.csv), never from a record; a registration
  whose self-entered name differs from the roster's is flagged `name_mismatch` for the department.
- **Corrections** (`replaces`) that change hours (a check-in's activity, code or times), identity (a
  registration's name, department or branch) or switch the honour-roll consent on are stored and
  flagged `correction_unconfirmed`: until an organiser confirms them (`site-builder ledger confirm ID`)
  the record they correct stays in effect (ledger/snapshot.py), so a correction can neither cut another
  member's hours nor put them on the 光荣榜. Withdrawing consent needs nobody's confirmation.
- **Consent from another phone**: a registration that switches the honour-roll consent on, sent from
  another device than the card's first registration, is flagged `consent_unconfirmed`; its consent
  counts only once confirmed.
- **Guessed codes**: a file holding GUESS_LIMIT or more wrong codes for one activity has every check-in
  for that activity in it flagged `code_guessing` and counted only once an organiser confirms it (the
  one right guess among 1,000 is not verified).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Mapping

from site_builder.ledger.db import chunks, marks
from site_builder.ledger.flagstore import insert_selected

CORRECTION_UNCONFIRMED = "correction_unconfirmed"
CONSENT_UNCONFIRMED = "consent_unconfirmed"
NAME_MISMATCH = "name_mismatch"
CODE_GUESSING = "code_guessing"
# Flags whose record takes effect only once an organiser confirms it (ledger confirm).
AWAITING = frozenset({CORRECTION_UNCONFIRMED, CONSENT_UNCONFIRMED, CODE_GUESSING})
GUESS_LIMIT = 3  # wrong codes for one activity in one file: beyond typing mistakes

HOURS_FIELDS = ("activity", "code", "checked_in_at", "checked_out_at")
IDENTITY_FIELDS = ("name", "department", "branch")


def honour_roll(record: dict) -> bool:
    consent = record.get("consent")
    return isinstance(consent, dict) and consent.get("honour_roll") is True


def what_changes(original: dict, correction: dict) -> list[str]:
    """What of hours, identity and consent a correction changes, in Chinese; empty when nothing of it."""
    changes: list[str] = []
    if correction.get("type") == "registration" and honour_roll(original) and not honour_roll(correction):
        return changes  # withdrawing consent takes effect at once, whatever else the record changes
    if correction.get("type") == "checkin" and any(original.get(k) != correction.get(k) for k in HOURS_FIELDS):
        changes.append("签到时长")
    if correction.get("type") == "registration":
        if any(original.get(k) != correction.get(k) for k in IDENTITY_FIELDS):
            changes.append("身份信息（姓名、单位或党支部）")
        if honour_roll(correction) and not honour_roll(original):
            changes.append("光荣榜公开同意")
    return changes


def _awaiting(changes: list[str]) -> str:
    return f"此更正改变了{'、'.join(changes)}，须组织者确认后生效（site-builder ledger confirm 记录编号）；确认前原记录仍有效"


def correction_flags(conn: sqlite3.Connection, record: dict) -> dict[str, str]:
    """Flags of a correction about to be stored (inside the file's transaction)."""
    if not record.get("replaces") or record["type"] not in ("checkin", "registration"):
        return {}
    row = conn.execute("SELECT body FROM records WHERE id = ?", (record["replaces"],)).fetchone()
    if row is None:  # the original has not arrived: judged again when it does (recheck)
        if record["type"] == "registration" and not honour_roll(record):
            return {}
        return {CORRECTION_UNCONFIRMED: "被更正的记录尚未收到，无法核对更正的内容；须组织者确认后生效"}
    changes = what_changes(json.loads(row[0]), record)
    return {CORRECTION_UNCONFIRMED: _awaiting(changes)} if changes else {}


def recheck(conn: sqlite3.Connection, original: dict, correction_ids: list[str]) -> None:
    """The original of waiting corrections arrived: a correction that changes nothing of hours, identity
    or consent no longer waits."""
    for correction_id in correction_ids:
        row = conn.execute("SELECT body FROM records WHERE id = ?", (correction_id,)).fetchone()
        if row is None:
            continue
        changes = what_changes(original, json.loads(row[0]))
        if changes:
            conn.execute("UPDATE flags SET detail = ? WHERE record_id = ? AND flag = ?",
                         (_awaiting(changes), correction_id, CORRECTION_UNCONFIRMED))
        else:
            conn.execute("DELETE FROM flags WHERE record_id = ? AND flag = ?", (correction_id, CORRECTION_UNCONFIRMED))


def registration_flags(conn: sqlite3.Connection, record: dict, device: str | None, roster: dict | None) -> dict[str, str]:
    """Flags of a registration: a name other than the roster's; consent switched on from another phone."""
    flags: dict[str, str] = {}
    if record["type"] != "registration":
        return flags
    member = roster.get(record["card"]) if roster else None
    if member is not None and member.name and record.get("name") != member.name:
        flags[NAME_MISMATCH] = (f"自填姓名与花名册不同（花名册为 {member.name}）；公开时只用花名册上的姓名，请单位核实")
    if honour_roll(record) and not record.get("replaces"):
        first = conn.execute("SELECT device, body FROM records WHERE card = ? AND type = 'registration'"
                             " ORDER BY created_at, rowid LIMIT 1", (record["card"],)).fetchone()
        if first is not None and first[0] != device and not honour_roll(json.loads(first[1])):
            flags[CONSENT_UNCONFIRMED] = ("从另一台手机开启了光荣榜公开同意；须组织者确认后生效"
                                          "（site-builder ledger confirm 记录编号）")
    return flags


def guessing(conn: sqlite3.Connection, wrong: Mapping[str, int], after_checkin: int) -> dict[str, int]:
    """After a file's records are stored: `wrong` is activity -> how many of the file's accepted check-ins
    of it had a wrong code; the file's `checkins` rows are those after rowid `after_checkin`. Where
    GUESS_LIMIT or more codes were wrong, every check-in of that activity in the file (its `checkins` row)
    is flagged code_guessing, by one INSERT … SELECT, and stops counting until confirmed. Returns flag ->
    records newly flagged."""
    details = {activity: f"同一文件中活动 {activity} 有 {count} 个错误签到码，疑为猜码；本文件中此活动的签到均须组织者确认"
               for activity, count in sorted(wrong.items()) if count >= GUESS_LIMIT}
    flagged = 0
    for part in chunks(list(details), 250):  # 3 parameters an activity; one walk of the rowid range per part
        pairs = [value for activity in part for value in (activity, details[activity])]  # the detail by a CASE:
        flagged += insert_selected(conn, "SELECT record_id, ?, CASE activity"  # a join walks the range per activity
                                   f" {' '.join(['WHEN ? THEN ?'] * len(part))} END FROM checkins"
                                   f" WHERE rowid > ? AND activity IN ({marks(len(part))})",
                                   (CODE_GUESSING, *pairs, after_checkin, *part))
        conn.execute("UPDATE checkins SET verification = 'unverified' WHERE rowid > ? AND verification = 'verified'"
                     f" AND activity IN ({marks(len(part))})", (after_checkin, *part))
    return {CODE_GUESSING: flagged} if flagged else {}
