"""Text that came from outside, made safe for where it goes: a terminal, the ledger, a spreadsheet.

- printable(text): for a terminal line or a log (file names, values in messages). Control characters,
  undecodable bytes of a file name (os.fsdecode's surrogate escapes), lone UTF-16 surrogates, line and
  paragraph separators and bidirectional overrides are written as escapes (\\x0b, \\xb1, \\ud800,
  \\u202e), so a name can neither forge a terminal line nor break UTF-8 output.
- bad_chars(text) / clean(text): what text fields of a record may not hold (C0 controls other than tab
  and newline, DEL, C1 controls, lone surrogates), and the same text with each replaced by U+FFFD.
- sheet_text(value): THE one function every CSV and XLSX writer passes its cells through (spreadsheet
  formula injection, OWASP "CSV Injection"): text beginning with = + - @, a tab or a carriage return is
  prefixed with a single quote, so Excel and WPS show it as text and never run it; characters an XLSX
  (XML) file cannot hold are replaced by visible stand-ins (␀ ␋ … for controls, � otherwise).
  sheet_row(sheet, values) appends a row to an openpyxl sheet with every text cell typed as a string.
"""

from __future__ import annotations

import re
from typing import Iterable

# --- terminal and log ----------------------------------------------------------------------------

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufeff]")


def _escape(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for an undecodable byte: show the byte
        return f"\\x{code - 0xDC00:02x}"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: object) -> str:
    """text (a str, a Path, anything) as one safe line: see the module's docstring."""
    value = str(text)
    if value.isprintable():  # every character _UNPRINTABLE escapes is unprintable to Python (Cc Cf Cs Zl Zp)
        return value
    return _UNPRINTABLE.sub(_escape, value)


def short(text: object, limit: int = 60) -> str:
    """printable(text), cut to about `limit` characters with an ellipsis."""
    value = printable(text)
    return value if len(value) <= limit else value[:limit - 1] + "…"


# --- text fields of records ----------------------------------------------------------------------

BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")  # tab (\x09) and newline (\x0a) are kept
REPLACEMENT = "\ufffd"


def bad_chars(text: str) -> list[str]:
    """The characters of text that a record's text may not hold (each once, in order of appearance)."""
    return list(dict.fromkeys(BAD.findall(text)))


def describe(chars: Iterable[str]) -> str:
    """Chinese description of bad characters, with their escapes: 控制字符 \\x0b、残缺的 UTF-16 代理 \\ud800."""
    parts = []
    for char in chars:
        code = ord(char)
        kind = "残缺的 UTF-16 代理字符" if 0xD800 <= code <= 0xDFFF else "控制字符"
        parts.append(f"{kind} {_escape_code(code)}")
    return "、".join(parts[:3]) + ("等" if len(parts) > 3 else "")


def _escape_code(code: int) -> str:
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def clean(text: str) -> str:
    """Line breaks as \\n (\\r\\n and a lone \\r), then every bad character replaced by U+FFFD."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return BAD.sub(REPLACEMENT, text)


# --- spreadsheets --------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # OWASP: a cell beginning so may be run as a formula
QUOTE = "'"
# What XML 1.0 (and so XLSX) cannot hold, as openpyxl refuses it, plus lone surrogates and U+FFFE/U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _stand_in(match: re.Match) -> str:
    code = ord(match.group())
    return chr(0x2400 + code) if code < 0x20 else REPLACEMENT  # ␀ … ␟: the control picture of the character


def sheet_text(value: object) -> object:
    """A cell for a CSV or XLSX file: text is made safe (see the module's docstring); numbers, dates and
    None are returned as they are."""
    if not isinstance(value, str):
        return value
    if _XML_ILLEGAL.search(value):
        value = _XML_ILLEGAL.sub(_stand_in, value)
    if value.startswith(FORMULA_START):
        value = QUOTE + value
    return value


def sheet_cells(values: Iterable[object]) -> list[object]:
    return [sheet_text(v) for v in values]


def sheet_row(sheet, values: Iterable[object]) -> None:
    """Append a row to an openpyxl worksheet: every cell through sheet_text, every text cell typed as a
    string (data_type 's'), so openpyxl never stores it as a formula whatever it begins with."""
    sheet.append(sheet_cells(values))
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"

