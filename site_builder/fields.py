"""Typed reading of one YAML mapping, collecting a located Problem for every bad or missing field.

    f = Fields(entry, "content/posts/yangguang.yaml", "岗位 YG-ZC-01", problems)
    capacity = f.integer("capacity", required=True, minimum=1)
    ...
    f.finish()   # any key nobody asked for is reported as unknown (catches typos such as `draf: true`)

A reader never raises: a bad value is reported and the default is returned, so one pass finds every
problem in a file. Messages are what users read, in Chinese; keys and values stay as typed:
`岗位 YG-ZC-01：字段 capacity 的值为 0；应为不小于 1 的整数`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any

from site_builder.errors import Problem, spaced
from site_builder.yamlload import LineDict, LineList

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


def type_name(value: Any) -> str:
    """How a YAML value is described to the user (Chinese; the value itself as typed, in quotes)."""
    if value is None:
        return "空"
    if isinstance(value, bool):
        return f"“{'true' if value else 'false'}”（是/否）"
    if isinstance(value, dict):
        return "一组字段"
    if isinstance(value, list):
        return "一个列表"
    if isinstance(value, dt.date):
        return f"日期 {value.isoformat()}"
    return f"“{value}”"


def is_(key: str, value: Any, tail: str = "") -> str:
    """`字段 n 的值为 “三”` (+ tail such as `，不是日期`)."""
    return spaced(f"字段 {key} 的值为", type_name(value), tail)


def one_of(value: str, valid: list[str], limit: int = 12) -> str:
    """`a、b、c 之一` for an expectation, with the closest valid value when a typo is likely."""
    text = spaced(shorten(valid, limit), "之一")
    close = difflib.get_close_matches(str(value), valid, n=1, cutoff=0.75)
    return f"{text}（你是不是想写 “{close[0]}”？）" if close else text


def shorten(values: list[str], limit: int = 12) -> str:
    """`a、b、c` or `a、b、…（共 30 个）` for long lists of valid values."""
    if not values:
        return "（尚未定义任何值）"
    if len(values) <= limit:
        return "、".join(values)
    return "、".join(values[:limit]) + f"、…（共 {len(values)} 个）"


class Fields:
    def __init__(self, data: LineDict, shown: str, label: str, problems: list[Problem]):
        self.data = data
        self.shown = shown
        self.label = label
        self.problems = problems
        self.asked: set[str] = set()

    # --- reporting -------------------------------------------------------------------------
    def line(self, key: str | None = None) -> int:
        if key is None or not isinstance(self.data, LineDict):
            return getattr(self.data, "line", 0)
        return self.data.line_of(key)

    def problem(self, key: str | None, message: str, expected: str | None = None) -> None:
        prefix = f"{self.label}：" if self.label else ""
        self.problems.append(Problem(self.shown, self.line(key) or None, prefix + message, expected))

    def _get(self, key: str, required: bool, expected: str) -> Any:
        self.asked.add(key)
        value = self.data.get(key)
        if value is None and required:
            message = f"字段 {key} 为空" if key in self.data else f"缺少字段 {key}"
            self.problem(key if key in self.data else None, message, expected)
        return value

    def finish(self) -> None:
        """Report keys that no reader asked for."""
        for key in self.data:
            if key not in self.asked:
                self.problem(key, f"未知字段 “{key}”", one_of(key, sorted(self.asked), 20))

    # --- readers ---------------------------------------------------------------------------
    def text(self, key: str, required: bool = False, default: str = "") -> str:
        value = self._get(key, required, "一段文字")
        if value is None:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.problem(key, is_(key, value), "一段文字")
            return default
        if required and not value.strip():
            self.problem(key, f"字段 {key} 为空", "一段文字")
        return value.strip()

    def slug(self, key: str, required: bool = True) -> str:
        value = self.text(key, required)
        if value and not SLUG.match(value):
            self.problem(key, f"字段 {key} 的值 “{value}” 不是有效的 id", "只用小写英文字母、数字和连字符（-）")
        return value

    def code(self, key: str, pattern: str, expected: str, required: bool = True) -> str:
        value = self.text(key, required)
        if value and not re.fullmatch(pattern, value):
            self.problem(key, f"字段 {key} 的值 “{value}” 格式不对", expected)
        return value

    def integer(self, key: str, required: bool = False, default: int | None = None,
                minimum: int | None = None) -> int | None:
        expected = f"不小于 {minimum} 的整数" if minimum is not None else "整数"
        value = self._get(key, required, expected)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, is_(key, value), expected)
            return default
        if minimum is not None and value < minimum:
            self.problem(key, f"字段 {key} 的值为 {value}", expected)
            return default
        return value

    def number(self, key: str, required: bool = False, default: float | None = None) -> float | None:
        value = self._get(key, required, "数字")
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(key, is_(key, value), "数字")
            return default
        return float(value)

    def flag(self, key: str, required: bool = False, default: bool = False) -> bool:
        value = self._get(key, required, "true 或 false")
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(key, is_(key, value), "true 或 false")
            return default
        return value

    def date(self, key: str, required: bool = False) -> dt.date | None:
        value = self._get(key, required, "日期，格式 YYYY-MM-DD")
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str) and DATE.match(value.strip()):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.problem(key, is_(key, value, "，不是日期"), "日期，格式 YYYY-MM-DD")
        return None

    def time(self, key: str, required: bool = False) -> dt.time | None:
        value = self._get(key, required, '时间，格式 "HH:MM"')
        if value is None:
            return None
        match = TIME.match(value.strip()) if isinstance(value, str) else None
        if not match:
            self.problem(key, is_(key, value, "，不是时间"), '时间，格式 "HH:MM"（24 小时制，加引号）')
            return None
        return dt.time(int(match.group(1)), int(match.group(2)))

    def texts(self, key: str, required: bool = False) -> tuple[str, ...]:
        """A list of strings; a single string is accepted as a list of one."""
        value = self._get(key, required, "列表，例如 [a, b]")
        if value is None:
            return ()
        if isinstance(value, str):
            return (value.strip(),)
        if not isinstance(value, list):
            self.problem(key, is_(key, value), "列表，例如 [a, b]")
            return ()
        result = []
        for item in value:
            if isinstance(item, (str, int, float)) and not isinstance(item, bool):
                result.append(str(item).strip())
            else:
                self.problem(key, spaced(f"字段 {key} 中有", type_name(item)), "由词语或编码组成的列表")
        return tuple(result)

    def integer_list(self, key: str) -> list[int]:
        """A list of whole numbers such as [100, 300, 600]."""
        value = self._get(key, False, "整数列表")
        if value is None:
            return []
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            self.problem(key, is_(key, value), "整数列表，例如 [100, 300]")
            return []
        return list(value)

    def mappings(self, key: str, required: bool = False) -> list[LineDict]:
        """A list of mappings (e.g. a team's services)."""
        value = self._get(key, required, "条目列表")
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(key, is_(key, value), "条目列表（每条以 “- ” 开头）")
            return []
        result = []
        for index, item in enumerate(value):
            if isinstance(item, LineDict):
                result.append(item)
            else:
                line = value.line_of(index) if isinstance(value, LineList) else self.line(key)
                prefix = f"{self.label}：" if self.label else ""
                self.problems.append(Problem(self.shown, line, prefix + spaced(f"字段 {key} 中有一项是", type_name(item)),
                                             "带字段名的条目（key: value）"))
        return result

    def mapping(self, key: str) -> LineDict:
        """An optional nested mapping (e.g. site.yaml's targets); empty if absent or wrong."""
        value = self._get(key, False, "一组字段")
        if value is None:
            empty = LineDict()
            empty.line = self.line(key)
            return empty
        if not isinstance(value, LineDict):
            self.problem(key, is_(key, value), "一组字段（每行写作 key: value）")
            empty = LineDict()
            empty.line = self.line(key)
            return empty
        return value
