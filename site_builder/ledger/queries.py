"""Read-only questions to the ledger for `site-builder ledger` (list, search, history, conflicts, files, export)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from site_builder import rules
from site_builder.errors import LedgerError
from site_builder.ledger import trust
from site_builder.safetext import sheet_cells

TYPE_NAMES = rules.RECORD_TYPES
VERIFICATION_NAMES = {"verified": "签到码正确", "unverified": "待确认", "confirmed": "已确认", "rejected": "已退回"}


@dataclass(frozen=True)
class Filters:
    type: str | None = None
    card: str | None = None
    community: str | None = None
    flag: str | None = None
    text: str | None = None
    include_superseded: bool = False


def open_read(path: Path) -> sqlite3.Connection:
    if not Path(path).exists():
        raise LedgerError(f"{path}：还没有台账；应先用 site-builder ingest 导入记录（或用 --ledger 指定台账文件）")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


SELECT = """SELECT r.id, r.type, r.card, r.created_at, r.replaces, r.superseded_by, r.body,
  (SELECT group_concat(flag, ',') FROM (SELECT flag FROM flags f WHERE f.record_id = r.id ORDER BY flag)),
  c.activity, c.community, c.hours, c.verification
FROM records r LEFT JOIN checkins c ON c.record_id = r.id"""


def _conditions(filters: Filters) -> tuple[list[str], list[str]]:
    conditions: list[tuple[str, list[str]]] = []
    if not filters.include_superseded:
        conditions.append(("r.superseded_by IS NULL", []))
    if filters.type:
        conditions.append(("r.type = ?", [filters.type]))
    if filters.card:
        conditions.append(("r.card = ?", [filters.card]))
    if filters.community:
        conditions.append(("(json_extract(r.body, '$.community') = ? OR c.community = ?)", [filters.community] * 2))
    if filters.flag:
        conditions.append(("EXISTS (SELECT 1 FROM flags f WHERE f.record_id = r.id AND f.flag = ?)", [filters.flag]))
    if filters.text:
        conditions.append(("(r.body LIKE ? OR r.id LIKE ?)", [f"%{filters.text}%"] * 2))
    return [sql for sql, _ in conditions], [value for _, values in conditions for value in values]


def records(conn: sqlite3.Connection, filters: Filters) -> list[tuple]:
    where, params = _conditions(filters)
    sql = SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY r.created_at, r.id"
    return conn.execute(sql, params).fetchall()


def summary_of(type_: str, body: dict, hours: float | None, verification: str | None) -> str:
    if type_ == "registration":
        return f"{body.get('name', '')} {body.get('department', '')} → {body.get('community', '')}"
    if type_ == "claim":
        return f"{body.get('community', '')} {','.join(body.get('posts', []))}"
    if type_ == "checkin":
        state = VERIFICATION_NAMES.get(verification or "", verification or "")
        done = f" {hours:g}小时 {state}" if hours is not None else ""
        return f"{body.get('activity', '')}{done}"
    if type_ == "diary":
        return f"{body.get('community', '')} {body.get('date', '')} {body.get('topic', '')}"
    if type_ == "evaluation":
        return f"{body.get('period', '')} {body.get('community', '')} {body.get('grade', '')}"
    return ""


def record_rows(rows: list[tuple]) -> list[list[str]]:
    out = []
    for rid, type_, card, created, replaces, superseded, body, flags, _act, _com, hours, verification in rows:
        state = f"已被 {superseded[:8]} 更正" if superseded else ("更正 " + replaces[:8] if replaces else "有效")
        out.append([rid, TYPE_NAMES.get(type_, type_), card, created[:16].replace("T", " "),
                    summary_of(type_, json.loads(body), hours, verification), flags or "", state])
    return out


RECORD_HEADERS = ["记录编号", "类型", "报到卡号", "记录时间", "内容", "标记", "状态"]


def conflicts(conn: sqlite3.Connection, card: str | None = None) -> list[tuple]:
    sql = """SELECT k.record_id, r.card, k.found_at, f.name, r.body, k.body FROM conflicts k
             JOIN records r ON r.id = k.record_id LEFT JOIN files f ON f.sha256 = k.file_sha256"""
    params: list = []
    if card:
        sql += " WHERE r.card = ?"
        params.append(card)
    return conn.execute(sql + " ORDER BY k.found_at, k.record_id", params).fetchall()


def differences(stored: str, other: str) -> str:
    a, b = json.loads(stored), json.loads(other)
    keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    return "，".join(f"{k}: {a.get(k)!r} → {b.get(k)!r}" for k in keys)


def files(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("""SELECT name, status, received_at, accepted, known, conflicting, rejected, reason, sha256
                           FROM files ORDER BY received_at, name""").fetchall()


def rejections(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("""SELECT f.name, j.position, j.record_id, j.reason FROM rejections j
                           JOIN files f ON f.sha256 = j.file_sha256 ORDER BY f.received_at, f.name, j.position""").fetchall()


def awaiting(conn: sqlite3.Connection) -> list[tuple]:
    """Records that take effect only once an organiser confirms them (ledger/trust.py: corrections of hours,
    identity or consent, consent from another phone, guessed codes) and have no decision yet:
    (id, type, card, created_at, flag, detail), oldest first."""
    marks = ",".join("?" * len(trust.AWAITING))
    return conn.execute(f"""SELECT r.id, r.type, r.card, r.created_at, f.flag, f.detail FROM records r
                            JOIN flags f ON f.record_id = r.id
                            WHERE f.flag IN ({marks}) AND r.superseded_by IS NULL
                              AND NOT EXISTS (SELECT 1 FROM decisions d WHERE d.record_id = r.id)
                            ORDER BY r.created_at, r.id, f.flag""", sorted(trust.AWAITING)).fetchall()


def decisions(conn: sqlite3.Connection, card: str) -> list[tuple]:
    return conn.execute("""SELECT d.record_id, d.decision, d.decided_at, d.decided_by, d.note FROM decisions d
                           JOIN records r ON r.id = d.record_id WHERE r.card = ? ORDER BY d.decided_at""", (card,)).fetchall()


EXPORT_COLUMNS = ["id", "type", "card", "created_at", "replaces", "superseded_by", "flags", "activity",
                  "activity_community", "hours", "verification", "body"]


def export_csv(conn: sqlite3.Connection, filters: Filters) -> bytes:
    """Every matching record as CSV (UTF-8 with BOM so Excel shows Chinese), body as canonical JSON; every
    cell through safetext.sheet_text, so nothing in it runs as a spreadsheet formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(sheet_cells(EXPORT_COLUMNS))
    for row in records(conn, filters):
        rid, type_, card, created, replaces, superseded, body, flags, activity, community, hours, verification = row
        writer.writerow(sheet_cells([rid, type_, card, created, replaces or "", superseded or "", flags or "",
                                     activity or "", community or "", "" if hours is None else f"{hours:g}",
                                     verification or "", body]))
    return ("\ufeff" + out.getvalue()).encode("utf-8")
