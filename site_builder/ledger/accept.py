"""Offering one record to the ledger inside the file's transaction: known, conflict, rejected or accepted.

Accepted records are stored with their flags, a derived check-in row (hours, verification) and the
correction links (`replaces` -> superseded_by), in either arrival order. offer() is the rule, one record
at a time; ledger/batch.py applies the same rule to a batch of records with bulk lookups and batched
writes, and hands records that take part in a correction to offer().
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any, Mapping

from site_builder import rules
from site_builder.ledger import codes, hours, semantic, trust
from site_builder.ledger.catalogue import Catalogue
from site_builder.ledger.flagstore import INSERT_FLAG
from site_builder.ledger.roster import Member

KNOWN, CONFLICT, REJECTED, ACCEPTED = "known", "conflict", "rejected", "accepted"

INSERT_RECORD = ("INSERT INTO records(id, type, card, created_at, schema, replaces, body, digest, file_sha256, device,"
                 " ingested_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
INSERT_CHECKIN = ("INSERT INTO checkins(record_id, activity, community, team, activity_date, checked_in_at, checked_out_at,"
                  " hours, verification) VALUES (?,?,?,?,?,?,?,?,?)")
INSERT_CONFLICT = "INSERT OR IGNORE INTO conflicts(record_id, digest, body, file_sha256, found_at) VALUES (?,?,?,?,?)"
CONFLICT_REASON = "同一编号的记录内容不同（已另存，未覆盖原记录）"


@dataclass(frozen=True)
class Settings:
    catalogue: Catalogue
    key: bytes | None  # None: no check-in key yet, codes cannot be checked
    roster: dict[str, Member] | None  # None: no roster file, cards are not checked
    now: str  # ledger clock, ISO 8601
    keys: Mapping[str, Any] | None = None  # private keys that open sealed files, by key id (ledger/seal.py)


@dataclass
class Outcome:
    status: str
    record_id: str | None = None
    reasons: list[str] = field(default_factory=list)
    flags: dict[str, str] = field(default_factory=dict)


_CANONICAL = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical(record: dict) -> str:
    """Sorted-key compact JSON: the record's stored body, and what its digest is taken of."""
    return _CANONICAL.encode(record)


def digest_of(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def offer(conn: sqlite3.Connection, record: dict, file_sha: str, device: str | None, settings: Settings,
          correctable: bool = False) -> Outcome:
    """Store one schema-valid record; `correctable` turns a changed record into a correction (民主测评 CSV)."""
    body = canonical(record)
    digest = digest_of(body)
    row = conn.execute("SELECT digest FROM records WHERE id = ?", (record["id"],)).fetchone()
    if row and row[0] != digest:
        if correctable:
            return offer(conn, _correction(record, digest), file_sha, device, settings)
        conn.execute(INSERT_CONFLICT, (record["id"], digest, body, file_sha, settings.now))
        return Outcome(CONFLICT, record["id"], [CONFLICT_REASON])
    if row:
        return Outcome(KNOWN, record["id"])
    reasons = semantic.problems(record, settings.catalogue) + _replaces_problems(conn, record)
    if reasons:
        return Outcome(REJECTED, record["id"], reasons)
    flags = record_flags(record, settings, body)
    flags.update(trust.correction_flags(conn, record))
    flags.update(trust.registration_flags(conn, record, device, settings.roster))
    _insert(conn, record, body, digest, file_sha, device, settings, flags)
    return Outcome(ACCEPTED, record["id"], flags=flags)


def _correction(record: dict, digest: str) -> dict:
    corrected = dict(record)
    corrected["id"] = str(uuid.uuid5(uuid.UUID(record["id"]), digest))
    corrected["replaces"] = record["id"]
    return corrected


def _replaces_problems(conn: sqlite3.Connection, record: dict) -> list[str]:
    if not record.get("replaces"):
        return []
    target = conn.execute("SELECT type, card FROM records WHERE id = ?", (record["replaces"],)).fetchone()
    if target and tuple(target) != (record["type"], record["card"]):
        return [f"更正的记录 {record['replaces']} 类型或报到卡号不同（应为同一人同一类记录）"]
    return []


TEXT_CLEANED = "text_cleaned"


def record_flags(record: dict, settings: Settings, body: str = "") -> dict[str, str]:
    """Flags every accepted record may carry (check-in and correction flags are added when stored); body is
    the record's canonical JSON, where a U+FFFD shows text that was cleaned (formats.text_checked)."""
    flags: dict[str, str] = {}
    if "\ufffd" in body:
        flags[TEXT_CLEANED] = "文字中有控制字符或残缺字符（或原本就有 �），已显示为 �，请核对原文"
    if settings.roster is not None and record["card"] not in settings.roster:
        flags["unknown_card"] = f"报到卡号 {record['card']} 不在花名册中"
    if record["type"] == "evaluation" and record.get("important"):
        flags["important"] = "民主测评有重要情况，应立即反馈党员所在单位"
    if _ahead_of(record["created_at"], settings.now):
        flags["clock_ahead"] = f"记录时间 {record['created_at']} 晚于接收时间，手机时钟可能不准"
    if record["type"] == "registration" and record["department"] != rules.department_of(record["card"]):
        flags["department_mismatch"] = f"报到卡号 {record['card']} 与单位 {record['department']} 不符"
    return flags


def _ahead_of(created_at: str, now: str) -> bool:
    """A record made more than a day after the ledger received it: the phone's clock is wrong."""
    try:
        return dt.datetime.fromisoformat(created_at) - _moment(now) > _DAY
    except (TypeError, ValueError):
        return False  # naive vs aware or unparsable: the schema has already judged the field


_DAY = dt.timedelta(days=1)


@functools.lru_cache(maxsize=8)
def _moment(now: str) -> dt.datetime:
    """The ledger clock parsed once per run, not once per record."""
    return dt.datetime.fromisoformat(now)


def record_row(record: dict, body: str, digest: str, file_sha: str, device: str | None, now: str) -> tuple:
    return (record["id"], record["type"], record["card"], record["created_at"], record["schema"], record.get("replaces"),
            body, digest, file_sha, device, now)


def flag_rows(record_id: str, flags: dict[str, str]) -> list[tuple[str, str, str]]:
    return [(record_id, flag, detail) for flag, detail in sorted(flags.items())]


def _insert(conn: sqlite3.Connection, record: dict, body: str, digest: str, file_sha: str, device: str | None,
            settings: Settings, flags: dict[str, str]) -> None:
    conn.execute(INSERT_RECORD, record_row(record, body, digest, file_sha, device, settings.now))
    if record["type"] == "checkin":
        flags.update(_checkin(conn, record, settings))
    flags.update(_link_corrections(conn, record))
    conn.executemany(INSERT_FLAG, flag_rows(record["id"], flags))


def _checkin(conn: sqlite3.Connection, record: dict, settings: Settings) -> dict[str, str]:
    row, flags = checkin_row(record, settings)
    if row is not None:
        conn.execute(INSERT_CHECKIN, row)
    return flags


def checkin_row(record: dict, settings: Settings) -> tuple[tuple | None, dict[str, str]]:
    """The checkins row of a check-in (None for an unknown activity: no hours) and its flags."""
    activity = settings.catalogue.activities.get(record["activity"])
    if activity is None:
        return None, {"unknown_activity": f"活动 {record['activity']} 不在 content/activities 中，未计时长"}
    credit = hours.credit(record["checked_in_at"], record.get("checked_out_at"), activity.hours)
    flags = dict(credit.flags)
    if settings.key is None:
        verification = "unverified"
        flags["code_unchecked"] = "没有签到密钥 checkin.key，无法核对签到码"
    elif codes.matches(settings.key, activity.id, record["code"]):
        verification = "verified"
    else:
        verification = "unverified"
        flags["code_mismatch"] = f"签到码 {record['code']} 与活动签到码不符，待组织者确认"
    late = hours.late(activity.date, record["created_at"], settings.catalogue.correction_working_days)
    if late:
        flags["late"] = late
    if rules.checkin_timing(record["checked_in_at"], activity.date) is not None:  # in Beijing time
        flags["date_mismatch"] = f"签到日期与活动日期 {activity.date} 不同，待组织者核对"
    return (record["id"], activity.id, activity.community, activity.team, activity.date.isoformat(),
            record["checked_in_at"], record.get("checked_out_at"), credit.hours, verification), flags


def resolve_unknown_activities(conn: sqlite3.Connection, settings: Settings) -> int:
    """Check-ins kept with unknown_activity whose activity is now in the content get their hours and
    verification (call inside a transaction). Returns how many were resolved."""
    rows = conn.execute("SELECT r.id, r.body FROM records r JOIN flags f ON f.record_id = r.id"
                        " WHERE f.flag = 'unknown_activity' ORDER BY r.id").fetchall()
    resolved = 0
    for record_id, body in rows:
        record = json.loads(body)
        if record.get("activity") not in settings.catalogue.activities:
            continue
        flags = _checkin(conn, record, settings)
        conn.execute("DELETE FROM flags WHERE record_id = ? AND flag = 'unknown_activity'", (record_id,))
        conn.executemany(INSERT_FLAG, flag_rows(record_id, flags))
        resolved += 1
    return resolved


def _link_corrections(conn: sqlite3.Connection, record: dict) -> dict[str, str]:
    """Supersede what this record replaces (at the head of its chain) and, if a correction of this
    record arrived earlier, let that correction supersede it now."""
    flags: dict[str, str] = {}
    if record.get("replaces"):
        head = _head(conn, record["replaces"])
        if head is None:
            flags["replaces_pending"] = f"被更正的记录 {record['replaces']} 尚未收到；收到后自动生效"
        elif head != record["id"]:
            conn.execute("UPDATE records SET superseded_by = ? WHERE id = ?", (record["id"], head))
    later = conn.execute("SELECT id, type, card FROM records WHERE replaces = ? AND id != ? ORDER BY created_at DESC, rowid DESC",
                         (record["id"], record["id"])).fetchall()
    matching = [r[0] for r in later if (r[1], r[2]) == (record["type"], record["card"])]
    for other in later:
        if other[0] not in matching:
            conn.execute(INSERT_FLAG, (other[0], "replaces_mismatch", f"更正的记录 {record['id']} 类型或报到卡号不同，未生效"))
    if matching:
        conn.execute("UPDATE records SET superseded_by = ? WHERE id = ?", (matching[0], record["id"]))
        conn.executemany("UPDATE records SET superseded_by = ? WHERE id = ? AND superseded_by IS NULL",
                         [(matching[0], older) for older in matching[1:]])
        conn.executemany("DELETE FROM flags WHERE record_id = ? AND flag = 'replaces_pending'", [(m,) for m in matching])
        trust.recheck(conn, record, matching)
    return flags


def _head(conn: sqlite3.Connection, record_id: str) -> str | None:
    """The record that currently stands for record_id: follow superseded_by to the end."""
    seen = set()
    current = record_id
    while current not in seen:
        seen.add(current)
        row = conn.execute("SELECT superseded_by FROM records WHERE id = ?", (current,)).fetchone()
        if row is None:
            return None if current == record_id else current
        if row[0] is None:
            return current
        current = row[0]
    return current
