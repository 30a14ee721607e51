"""民主测评 CSV -> evaluation records, so staff can enter grades in a spreadsheet.

Columns: card, period (2026H1), community, grade, pledge_done, notes, important; optional date
(YYYY-MM-DD, when the evaluation was made; default the last day of the period). UTF-8 with or without
BOM, or GB18030 as Excel saves it on Chinese Windows. Each row's id is uuid5(card|period|community), so
importing the same sheet again changes nothing; a row changed later becomes a correction of the
earlier grade (see docs/ledger.md).
"""

from __future__ import annotations

import csv
import io
import uuid

from site_builder.ledger.formats import Export, Unreadable, record_checker
from site_builder.ledger import roster

NAMESPACE = uuid.UUID("6f7c3b52-2d0e-4b8e-9a61-5a3f0c1d2e77")  # fixed forever: ids depend on it
REQUIRED = ("card", "period", "community", "grade")
OPTIONAL = ("pledge_done", "notes")
TRUE = {"是", "true", "1", "y", "yes", "重要", "√"}
FALSE = {"否", "false", "0", "n", "no", ""}


def evaluation_id(card: str, period: str, community: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{card}|{period}|{community}"))


def period_end(period: str) -> str:
    if len(period) == 6 and period[:4].isdigit() and period[4:] in ("H1", "H2"):
        return f"{period[:4]}-{'06-30' if period[4:] == 'H1' else '12-31'}"
    return "1970-01-01"  # an invalid period is rejected by the schema anyway


def _important(text: str) -> bool | str:
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    return text


def row_record(row: dict[str, str]) -> dict:
    cells = {k.strip(): (v or "").strip() for k, v in row.items() if k}
    day = cells.get("date") or period_end(cells["period"])
    record = {"id": evaluation_id(cells["card"], cells["period"], cells["community"]), "type": "evaluation",
              "schema": 1, "created_at": f"{day}T00:00:00+08:00", "card": cells["card"], "period": cells["period"],
              "community": cells["community"], "grade": cells["grade"]}
    record.update({name: cells[name] for name in OPTIONAL if cells.get(name)})
    if cells.get("important", "").strip():
        record["important"] = _important(cells["important"])
    return record


def read(data: bytes) -> Export:
    text = roster.decode(data)
    rows = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (rows.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise Unreadable(f"不是民主测评表：缺少列 {', '.join(missing)}（应有 card,period,community,grade,pledge_done,notes,important）")
    return Export(1, None, "民主测评表", [row_record(r) for r in rows], record_checker(1), line_offset=2)
