"""The roster: data/roster.csv, the 报到卡 departments issued (card, name, department, branch)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from site_builder import rules
from site_builder.errors import Problem, ContentErrors
from site_builder.safetext import printable, short

ROSTER_FILE = "roster.csv"
COLUMNS = ("card", "name", "department", "branch")
CARD = rules.CARD


@dataclass(frozen=True)
class Member:
    card: str
    name: str
    department: str
    branch: str


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM; GB18030 (Excel's default on Chinese Windows) as a fallback."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def table_text(path: Path, what: str, columns: str) -> str:
    """The text of a CSV an organiser made (roster, confirmations): ContentErrors when it is not a text
    table at all (binary, UTF-16, neither UTF-8 nor GB18030)."""
    data = Path(path).read_bytes()
    try:
        if b"\x00" in data:  # binary, or UTF-16 (Excel's "Unicode text")
            raise UnicodeError("NUL byte")
        return decode(data)
    except UnicodeError:
        raise ContentErrors([Problem(printable(path), None, f"{what}不是文本表格（二进制、UTF-16 或无法识别的编码）",
                                     f"UTF-8 或 GB18030 编码的 CSV：{columns}")]) from None


def table_error(path: Path, rows: csv.DictReader, error: csv.Error, what: str, columns: str) -> ContentErrors:
    """A CSV the csv module cannot read (a cell over its 131,072 characters …), located by line."""
    return ContentErrors([Problem(printable(path), rows.reader.line_num, f"{what}无法读取：{csv_reason(error)}",
                                  f"CSV：{columns}")])


def csv_reason(error: csv.Error) -> str:
    """What the csv module refused, in Chinese."""
    text = str(error)
    if "field larger than field limit" in text:
        return f"有一个单元格超过 {csv.field_size_limit():,} 个字符"
    return f"不是正确的 CSV 格式（{short(text, 60)}）"


def load(path: Path) -> dict[str, Member] | None:
    """Members by card, or None when the roster file does not exist."""
    path = Path(path)
    if not path.exists():
        return None
    rows = csv.DictReader(io.StringIO(table_text(path, "花名册", ",".join(COLUMNS))))
    try:
        return _members(path, rows)
    except csv.Error as error:
        raise table_error(path, rows, error, "花名册", ",".join(COLUMNS)) from None


def _members(path: Path, rows: csv.DictReader) -> dict[str, Member]:
    missing = [c for c in COLUMNS if c not in (rows.fieldnames or [])]
    if missing:
        raise ContentErrors([Problem(str(path), 1, f"花名册缺少列：{'、'.join(missing)}",
                                     "a header line card,name,department,branch")], nothing_written=True)
    members: dict[str, Member] = {}
    problems = []
    for line, row in enumerate(rows, start=2):
        card = (row.get("card") or "").strip()
        if not CARD.match(card):
            problems.append(Problem(str(path), line, f"{printable(repr(card))} 不是报到卡编号", f"单位代码-四位序号，如 {rules.CARD_EXAMPLE}"))
            continue
        members[card] = Member(card, (row.get("name") or "").strip(), (row.get("department") or "").strip(),
                               (row.get("branch") or "").strip())
    if problems:
        raise ContentErrors(problems)
    return members
