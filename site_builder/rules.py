"""The programme's rules, in one place (实施方案, SPEC.md "Rules", docs/domain-notes).

Python takes them from here; templates through the page context; the phone's JavaScript through
`app/catalogue.json` (`catalogue_rules()`), so the app and the ledger cannot disagree:

- the 报到卡 number (card) and the department it belongs to: `D03-0042` belongs to department `D03`;
- numbers typed on a Chinese keyboard made comparable (cards, check-in codes, other digits: NFKC);
- when a check-in may be made: not more than a day before its activity, another day flagged;
- the registration deadline (报到截止日) of the programme year;
- Beijing time (Asia/Shanghai, UTC+8, no daylight saving): "today", stamps shown to people;
- what each record type is called;
- the hours a check-in is credited with, and how credited hours are added up and shown;
- the order of stories (newest first).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from typing import Any, Iterable, TypeVar

T = TypeVar("T")

# --- cards and departments ---------------------------------------------------------------------

CARD_PATTERN = r"^D[0-9]{2}-[0-9]{4}$"  # 报到卡编号: the department's code, a hyphen, four digits
CARD = re.compile(CARD_PATTERN)
DEPARTMENT_PATTERN = r"D[0-9]{2}"  # a department's code is the first three characters of its cards
CARD_EXAMPLE = "D03-0042"
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]")  # ‐ ‑ ‒ – — ― − ﹘ ﹣ －


def normalise_card(text: str) -> str:
    """A card number as typed on a Chinese keyboard, made comparable: full-width letters and digits
    become ASCII (NFKC), every kind of dash a hyphen, blanks removed, letters upper case.
    `Ｄ０３－００４２` and `d03—0042 ` become `D03-0042`."""
    text = unicodedata.normalize("NFKC", text)
    return _DASHES.sub("-", "".join(text.split())).upper()


def department_of(card: str) -> str:
    """The department that issued a card: `D03-0042` -> `D03`."""
    return card[:3]


# --- check-in codes and days --------------------------------------------------------------------------

CODE_PATTERN = r"^[0-9]{6}$"  # the 6-digit check-in code an organiser announces (or the QR holds)
CODE = re.compile(CODE_PATTERN)


def normalise_code(text: str) -> str:
    """A check-in code as typed: full-width digits as ASCII (NFKC), blanks and dashes removed.
    `１２３ ４５６` and `123-456` become `123456`."""
    text = unicodedata.normalize("NFKC", text)
    return _DASHES.sub("", "".join(text.split())).replace("-", "")


def normalise_digits(text: str) -> str:
    """Any other number typed on a Chinese keyboard (a phone number): full-width digits, letters and
    punctuation as ASCII (NFKC), every kind of dash a hyphen, blanks at either end removed."""
    return _DASHES.sub("-", unicodedata.normalize("NFKC", text)).strip()


# --- time ----------------------------------------------------------------------------------------

BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
TIME_ZONE = "Asia/Shanghai"  # the programme's clock (China has no daylight saving time)
UTC_OFFSET = "+08:00"


def in_beijing(moment: dt.datetime) -> dt.datetime:
    """An aware time in Beijing time; a naive time is taken to be Beijing time already."""
    return moment.replace(tzinfo=BEIJING) if moment.tzinfo is None else moment.astimezone(BEIJING)


def today_in_beijing(now: dt.datetime | None = None) -> dt.date:
    """Today's date where the programme runs (a build at 23:30 UTC is already tomorrow in Beijing)."""
    return in_beijing(now or dt.datetime.now(dt.timezone.utc)).date()


CHECKIN_EARLIEST_DAYS = 1  # a check-in may be made at most this many days before the activity's date


@functools.lru_cache(maxsize=256)  # ingest asks twice per check-in (semantic.py refuses "early", accept.py flags the rest)
def checkin_timing(checked_in_at: str, activity_date: dt.date | str) -> str | None:
    """When a check-in was made, against its activity's date, both in Beijing time:
    None on the activity's day; "early" more than CHECKIN_EARLIEST_DAYS days before it (the app refuses
    it); "other_day" on any other day (the app saves it and tells the member the organiser will check it).
    rules.js: checkinTiming gives the same answer for the same input."""
    if isinstance(activity_date, str):
        activity_date = dt.date.fromisoformat(activity_date)
    day = in_beijing(dt.datetime.fromisoformat(checked_in_at.replace("Z", "+00:00"))).date()
    ahead = (activity_date - day).days
    if ahead > CHECKIN_EARLIEST_DAYS:
        return "early"
    return "other_day" if ahead else None


def beijing_stamp(stamp: str | None) -> str | None:
    """An ISO 8601 stamp with any offset -> the same moment in Beijing time (ISO 8601); unparsable as is."""
    if not stamp:
        return stamp
    try:
        moment = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return in_beijing(moment).isoformat() if moment.tzinfo else stamp


# --- the registration deadline -----------------------------------------------------------------------

def registration_deadline(year: int, month_day: str) -> dt.date:
    """The day members must have reported by: site.yaml's targets.registration_deadline ("05-10") in
    the programme year."""
    month, day = (int(part) for part in month_day.split("-"))
    return dt.date(year, month, day)


# --- records -------------------------------------------------------------------------------------

RECORD_TYPES = {  # what each record type is called, wherever a person reads it
    "registration": "报到登记",
    "claim": "认领岗位与服务承诺",
    "checkin": "签到签退",
    "diary": "民情日记",
    "evaluation": "民主测评",
}


def record_type_name(record_type: str) -> str:
    return RECORD_TYPES.get(record_type, record_type)


# --- hours ---------------------------------------------------------------------------------------

HOURS_DECIMALS = 2  # hours are credited to the hundredth (36 seconds), half up; shown to one decimal
HOUR_MS = 3_600_000


def credited_hours(spent_ms: int | None, planned: float) -> float:
    """Hours a check-in is credited with: the time from check-in to check-out (whole milliseconds),
    capped at the activity's planned hours; without a check-out, the planned hours. Never negative.
    Worked in whole hundredths of an hour, so Python and records.js (rules.js: creditedHours) agree to
    the last digit. (Party duties — 报到, 承诺, 测评 — are not volunteer hours.)"""
    planned_hundredths = math.floor(planned * 100 + 0.5)
    if spent_ms is None:
        return planned_hundredths / 100
    spent_hundredths = (max(spent_ms, 0) * 100 + HOUR_MS // 2) // HOUR_MS
    return min(spent_hundredths, planned_hundredths) / 100


def hours_sum(hours: Iterable[float]) -> float:
    """Credited hours added up, as every figure and report shows them: added exactly, in whole hundredths
    (each check-in is credited to the hundredth), then rounded once to one decimal, half up.
    1.25 + 1.25 + 1.15 -> 3.65 -> 3.7. Rounding only the total means a sum over more check-ins is never
    smaller than one over fewer (a member's cumulative hours never fall below the year's)."""
    hundredths = sum(math.floor(h * 100 + 0.5) for h in hours)
    return ((hundredths + 5) // 10) / 10


# --- stories -------------------------------------------------------------------------------------

def newest_first(stories: Iterable[T]) -> list[T]:
    """Stories newest first; stories of the same day by file name (slug), A to Z."""
    return sorted(stories, key=lambda s: (-s.date.toordinal(), s.slug))  # type: ignore[attr-defined]


# --- for templates and the app ------------------------------------------------------------------------

TEMPLATE_RULES = {  # the Jinja global `rules` (constant for a version of site-builder)
    "card_pattern": CARD_PATTERN.strip("^$"),  # as an HTML pattern attribute wants it
    "card_example": CARD_EXAMPLE,
    "record_types": RECORD_TYPES,
}


def catalogue_rules() -> dict[str, Any]:
    """What app/catalogue.json carries of these rules (theme/static/app/records.js reads them)."""
    return {
        "card_pattern": CARD_PATTERN,
        "card_example": CARD_EXAMPLE,
        "code_pattern": CODE_PATTERN,
        "checkin_earliest_days": CHECKIN_EARLIEST_DAYS,
        "department_length": 3,
        "utc_offset_minutes": 8 * 60,
        "time_zone": TIME_ZONE,
        "record_types": RECORD_TYPES,
        "hours_decimals": HOURS_DECIMALS,
    }
