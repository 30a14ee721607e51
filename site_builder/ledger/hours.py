"""Credited hours of a check-in and the 10-working-day rule (志愿服务记录与证明出具办法 2021).

Hours run from check-in to check-out, capped at the activity's planned hours. A missing check-out
credits the planned hours (flag missing_checkout). Working days are Monday to Friday: statutory
holidays and their swapped weekend working days (调休) are NOT modelled, so a record near a holiday
may be flagged late a day or two early. Registration, claim, diary and evaluation never carry hours.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import NamedTuple

from site_builder import rules


class Credit(NamedTuple):  # a tuple: made for every check-in ingested (a frozen dataclass costs 1 µs more)
    hours: float
    flags: dict[str, str]  # flag -> detail (Chinese)


_MILLISECOND = dt.timedelta(milliseconds=1)


@functools.lru_cache(maxsize=1024)
def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time with offset (`Z` allowed). Cached: ingest reads each record's times several times."""
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def credit(checked_in_at: str, checked_out_at: str | None, planned: float) -> Credit:
    """Hours to credit for one check-in (rules.credited_hours); raises ValueError when check-out
    precedes check-in."""
    if not checked_out_at:
        return Credit(rules.credited_hours(None, planned), {"missing_checkout": f"未签退，按计划时长 {planned:g} 小时计"})
    spent_ms = (parse_time(checked_out_at) - parse_time(checked_in_at)) // _MILLISECOND
    if spent_ms < 0:
        raise ValueError("签退时间早于签到时间")
    hours = rules.credited_hours(spent_ms, planned)
    if spent_ms > planned * rules.HOUR_MS:
        return Credit(hours, {"capped": f"实际 {spent_ms / rules.HOUR_MS:.1f} 小时，按计划时长 {planned:g} 小时封顶"})
    return Credit(hours, {})


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Mon–Fri days after start up to and including end (0 when end <= start)."""
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    return weeks * 5 + _WORKING_DAYS_AFTER[start.weekday()][rest]


# [weekday of a day][n]: how many of the n days after it (n < 7) are Mon–Fri (ingest asks for every check-in)
_WORKING_DAYS_AFTER = [[sum((weekday + k) % 7 < 5 for k in range(1, n + 1)) for n in range(7)] for weekday in range(7)]


def late(activity_date: dt.date, created_at: str, limit: int) -> str | None:
    """Chinese detail when the record was made more than `limit` working days after the activity."""
    made = parse_time(created_at).date()
    days = working_days_between(activity_date, made)
    if days > limit:
        return f"活动后第 {days} 个工作日才记录（规定 {limit} 个工作日内）"
    return None
