"""Typed reading of one YAML mapping, collecting a located Problem for every bad or missing field.

    f = Fields(entry, "content/posts/yangguang.yaml", "post 'YG-ZC-01'", problems)
    capacity = f.integer("capacity", required=True, minimum=1)
    ...
    f.finish()   # any key nobody asked for is reported as unknown (catches typos such as `draf: true`)

A reader never raises: a bad value is reported and the default is returned, so one pass finds every
problem in a file.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any

from site_builder.errors import Problem
from site_builder.yamlload import LineDict, LineList

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
TIME = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


def type_name(value: Any) -> str:
    """How a YAML value is described to the user."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{'true' if value else 'false'}' (yes/no)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return f"'{value}'"


def one_of(value: str, valid: list[str], limit: int = 12) -> str:
    """'one of a, b, c' for an 'expected …', with the closest valid value when a typo is likely."""
    text = f"one of {shorten(valid, limit)}"
    close = difflib.get_close_matches(str(value), valid, n=1, cutoff=0.75)
    return f"{text} (did you mean '{close[0]}'?)" if close else text


def shorten(values: list[str], limit: int = 12) -> str:
    """'a, b, c' or 'a, b, … (30 in all)' for long lists of valid values."""
    if not values:
        return "(none defined)"
    if len(values) <= limit:
        return ", ".join(values)
    return ", ".join(values[:limit]) + f", … ({len(values)} in all)"


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
        prefix = f"{self.label}: " if self.label else ""
        self.problems.append(Problem(self.shown, self.line(key) or None, prefix + message, expected))

    def _get(self, key: str, required: bool, expected: str) -> Any:
        self.asked.add(key)
        value = self.data.get(key)
        if value is None and required:
            where = "is empty" if key in self.data else "is missing"
            self.problem(key if key in self.data else None, f"'{key}' {where}", expected)
        return value

    def finish(self) -> None:
        """Report keys that no reader asked for."""
        for key in self.data:
            if key not in self.asked:
                self.problem(key, f"unknown key '{key}'", one_of(key, sorted(self.asked), 20))

    # --- readers ---------------------------------------------------------------------------
    def text(self, key: str, required: bool = False, default: str = "") -> str:
        value = self._get(key, required, "some text")
        if value is None:
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.problem(key, f"'{key}' is {type_name(value)}", "some text")
            return default
        if required and not value.strip():
            self.problem(key, f"'{key}' is empty", "some text")
        return value.strip()

    def slug(self, key: str, required: bool = True) -> str:
        value = self.text(key, required)
        if value and not SLUG.match(value):
            self.problem(key, f"'{key}' '{value}' is not a slug", "lower-case ASCII letters, digits and hyphens")
        return value

    def code(self, key: str, pattern: str, expected: str, required: bool = True) -> str:
        value = self.text(key, required)
        if value and not re.fullmatch(pattern, value):
            self.problem(key, f"'{key}' '{value}' has the wrong shape", expected)
        return value

    def integer(self, key: str, required: bool = False, default: int | None = None,
                minimum: int | None = None) -> int | None:
        expected = "a whole number" + (f" ≥ {minimum}" if minimum is not None else "")
        value = self._get(key, required, expected)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(key, f"'{key}' is {type_name(value)}", expected)
            return default
        if minimum is not None and value < minimum:
            self.problem(key, f"'{key}' is {value}", expected)
            return default
        return value

    def number(self, key: str, required: bool = False, default: float | None = None) -> float | None:
        value = self._get(key, required, "a number")
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.problem(key, f"'{key}' is {type_name(value)}", "a number")
            return default
        return float(value)

    def flag(self, key: str, required: bool = False, default: bool = False) -> bool:
        value = self._get(key, required, "true or false")
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(key, f"'{key}' is {type_name(value)}", "true or false")
            return default
        return value

    def date(self, key: str, required: bool = False) -> dt.date | None:
        value = self._get(key, required, "a date YYYY-MM-DD")
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
        self.problem(key, f"'{key}' is {type_name(value)}, not a date", "a date YYYY-MM-DD")
        return None

    def time(self, key: str, required: bool = False) -> dt.time | None:
        value = self._get(key, required, 'a time "HH:MM"')
        if value is None:
            return None
        match = TIME.match(value.strip()) if isinstance(value, str) else None
        if not match:
            self.problem(key, f"'{key}' is {type_name(value)}, not a time", 'a time "HH:MM" (24-hour, quoted)')
            return None
        return dt.time(int(match.group(1)), int(match.group(2)))

    def texts(self, key: str, required: bool = False) -> tuple[str, ...]:
        """A list of strings; a single string is accepted as a list of one."""
        value = self._get(key, required, "a list such as [a, b]")
        if value is None:
            return ()
        if isinstance(value, str):
            return (value.strip(),)
        if not isinstance(value, list):
            self.problem(key, f"'{key}' is {type_name(value)}", "a list such as [a, b]")
            return ()
        result = []
        for item in value:
            if isinstance(item, (str, int, float)) and not isinstance(item, bool):
                result.append(str(item).strip())
            else:
                self.problem(key, f"'{key}' holds {type_name(item)}", "a list of words or codes")
        return tuple(result)

    def integer_list(self, key: str) -> list[int]:
        """A list of whole numbers such as [100, 300, 600]."""
        value = self._get(key, False, "a list of whole numbers")
        if value is None:
            return []
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            self.problem(key, f"'{key}' is {type_name(value)}", "a list of whole numbers such as [100, 300]")
            return []
        return list(value)

    def mappings(self, key: str, required: bool = False) -> list[LineDict]:
        """A list of mappings (e.g. a team's services)."""
        value = self._get(key, required, "a list of entries")
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(key, f"'{key}' is {type_name(value)}", "a list of entries (each starting with '- ')")
            return []
        result = []
        for index, item in enumerate(value):
            if isinstance(item, LineDict):
                result.append(item)
            else:
                line = value.line_of(index) if isinstance(value, LineList) else self.line(key)
                prefix = f"{self.label}: " if self.label else ""
                self.problems.append(Problem(self.shown, line, f"{prefix}an entry of '{key}' is {type_name(item)}",
                                             "an entry with named fields (key: value)"))
        return result

    def mapping(self, key: str) -> LineDict:
        """An optional nested mapping (e.g. site.yaml's targets); empty if absent or wrong."""
        value = self._get(key, False, "a mapping")
        if value is None:
            empty = LineDict()
            empty.line = self.line(key)
            return empty
        if not isinstance(value, LineDict):
            self.problem(key, f"'{key}' is {type_name(value)}", "a mapping of named fields")
            empty = LineDict()
            empty.line = self.line(key)
            return empty
        return value
