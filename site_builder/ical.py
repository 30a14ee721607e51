"""iCalendar (RFC 5545) files of activities that phone calendars can subscribe to (owner: rendering stage).

CRLF line ends, lines folded at 75 octets without splitting a UTF-8 character, text escaped, times
in Asia/Shanghai with its VTIMEZONE. DTSTAMP is derived from the content (1 January of the programme
year, or the activity's day when earlier), never from the clock, so output is deterministic.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable
from urllib.parse import urlsplit

from site_builder import render, rules
from site_builder.model import Activity, Content

TZID = rules.TIME_ZONE
VTIMEZONE = [
    "BEGIN:VTIMEZONE", f"TZID:{TZID}",
    "BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:+0800", "TZOFFSETTO:+0800", "TZNAME:CST",
    "END:STANDARD", "END:VTIMEZONE",
]
MAX_OCTETS = 75


def escape_text(value: str) -> str:
    """TEXT value escaping: backslash, semicolon, comma, newline."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n"))


def fold(line: str) -> str:
    """One content line folded into CRLF-joined pieces of at most 75 octets; continuations start with a space."""
    if len(line.encode("utf-8")) <= MAX_OCTETS:
        return line  # most lines: nothing to fold
    pieces: list[str] = []
    current: list[str] = []
    size, limit = 0, MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def local(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%S")


def absolute(content: Content, path: str) -> str:
    return render.absolute(content.site, path)


def uid_domain(content: Content) -> str:
    return urlsplit(content.site.base_url).hostname or "sansong.invalid"


def event(content: Content, activity: Activity) -> list[str]:
    year_start = dt.date(content.site.year, 1, 1)
    stamp = min(year_start, activity.date)
    where = activity.place
    description = activity.description or activity.title
    lines = [
        "BEGIN:VEVENT",
        f"UID:{activity.id}@{uid_domain(content)}",
        f"DTSTAMP:{stamp.strftime('%Y%m%d')}T000000Z",
        f"DTSTART;TZID={TZID}:{local(activity.starts_at)}",
        f"DTEND;TZID={TZID}:{local(activity.ends_at)}",
        f"SUMMARY:{escape_text(activity.title)}",
        f"LOCATION:{escape_text(where)}",
        f"DESCRIPTION:{escape_text(description + ' 组织：' + activity.organiser)}",
        f"CATEGORIES:{escape_text(content.categories[activity.category].name if activity.category in content.categories else activity.category)}",
        f"URL:{absolute(content, f'/activities/{activity.id}/')}",
        "END:VEVENT",
    ]
    return lines


def calendar(content: Content, name: str, activities: Iterable[Activity]) -> bytes:
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:-//{escape_text(content.site.district)}//三送三促 site-builder//ZH",
        "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}", f"X-WR-TIMEZONE:{TZID}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT12H", "X-PUBLISHED-TTL:PT12H", *VTIMEZONE,
    ]
    for activity in sorted(activities, key=lambda a: (a.starts_at, a.id)):
        lines += event(content, activity)
    lines.append("END:VCALENDAR")
    return ("".join(fold(line) + "\r\n" for line in lines)).encode("utf-8")


def calendars(content: Content) -> dict[str, bytes]:
    """activities.ics, communities/<id>/activities.ics, activities/<id>/event.ics."""
    site = content.site
    activities = list(content.activities.values())
    files = {"activities.ics": calendar(content, f"{site.title} · 活动", activities)}
    for community in content.communities.values():
        own = [a for a in activities if a.community == community.id]
        files[f"communities/{community.id}/activities.ics"] = calendar(content, f"{community.name} · 志愿服务活动", own)
    for activity in activities:
        files[f"activities/{activity.id}/event.ics"] = calendar(content, activity.title, [activity])
    return files
