"""民主测评 CSV -> evaluation records, so staff can enter grades in a spreadsheet.

Columns: card, period (2026H1), community, grade, pledge_done, notes, important; optional date
(YYYY-MM-DD, when the evaluation was made; default the last day of the period). UTF-8 with or without
BOM, or GB18030 as Excel saves it on Chinese Windows. Each row's id is uuid5(card|period|community), so
importing the same sheet again changes nothing; a row changed later becomes a correction of the
earlier grade (see docs/ledger.md).

Not a sheet (quarantined): binary (a NUL byte), UTF-16, neither UTF-8 nor GB18030, a cell longer than the
csv module's limit (131,072 characters), missing columns. A row with a formula in a cell (=…, or +/-/@
before a function) is rejected; control characters are handled as in export files (formats.text_checked).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Callable

from site_builder.ledger.formats import Export, Unreadable, record_checker, text_checked
from site_builder.ledger import roster
from site_builder.safetext import short

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
    text = _text(data)
    rows = csv.DictReader(io.StringIO(text))
    try:
        header = [h.strip() for h in (rows.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise Unreadable(f"不是民主测评表：缺少列 {', '.join(missing)}（应有 card,period,community,grade,pledge_done,notes,important）")
        records = [row_record(r) for r in rows]
    except csv.Error as error:
        raise Unreadable(f"第 {rows.reader.line_num} 行无法读取：{roster.csv_reason(error)}，不是民主测评表") from None
    return Export(1, None, "民主测评表", records, text_checked(_no_formulas(record_checker(1))), line_offset=2)


def _text(data: bytes) -> str:
    """The sheet's text, or Unreadable when it is not a text table at all."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise Unreadable("是 UTF-16 编码的文本（Excel 的“Unicode 文本”），请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入")
    if b"\x00" in data:
        raise Unreadable("是二进制文件（含有 NUL 字节），不是 CSV 表格；可能是 Excel 工作簿（.xlsx）改了后缀，请另存为 CSV 后再导入")
    try:
        return roster.decode(data)
    except UnicodeDecodeError:
        raise Unreadable("不是文本表格（既不是 UTF-8 也不是 GB18030 编码），可能是 Excel 工作簿或图片；请另存为 CSV 后再导入") from None


# A cell a spreadsheet would run: = anything, or + - @ before a function name or a DDE command (cmd|…).
FORMULA = re.compile(r"\s*(?:=|[+\-@]\s*[A-Za-z_][\w.]*\s*[(|!])")
COLUMN_OF = {"created_at": "date"}  # record field -> the sheet's column, where they differ


def _no_formulas(validate: Callable[[object], list[str]]) -> Callable[[object], list[str]]:
    """validate, refusing a row with a formula in any cell (located by its column)."""

    def check(record: object) -> list[str]:
        reasons = [f"列 {COLUMN_OF.get(name, name)} 是电子表格公式（{short(value, 30)}），不接收公式；"
                   "请在表格中改为文字后重新导入"
                   for name, value in record.items() if isinstance(value, str) and FORMULA.match(value)] \
            if isinstance(record, dict) else []
        return reasons + validate(record)

    return check
