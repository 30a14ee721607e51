"""志愿服务记录证明 per member (志愿服务记录与证明出具办法, 2021): identity, hours, content, recording
unit, a number and a date. Identity is name, department and card number, never an ID number."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from site_builder.reports.context import ReportContext
from site_builder.facts import MemberFacts


@dataclass(frozen=True)
class Service:
    date: str
    activity: str
    place: str
    organiser: str
    hours: float


@dataclass(frozen=True)
class Certificate:
    number: str
    member: MemberFacts
    department: str
    services: list[Service]
    hours: float


def number(year: int, member: MemberFacts) -> str:
    """Deterministic: the same counted check-ins give the same number; any change gives a new one."""
    digest = hashlib.sha256("|".join(sorted(c.record.id for c in member.visits.values())).encode()).hexdigest()
    return f"ZYFW-{year}-{member.card}-{digest[:6].upper()}"


def certificates(ctx: ReportContext, department: str) -> list[Certificate]:
    """One per member of the department with at least one counted activity this year."""
    name = ctx.content.departments[department].name
    return [Certificate(number(ctx.year, m), m, name, _services(ctx, m), m.hours)
            for m in ctx.members_of(department) if m.visits]


def _services(ctx: ReportContext, m: MemberFacts) -> list[Service]:
    rows = []
    for checkin in sorted(m.visits.values(), key=lambda c: (c.activity_date, c.activity)):
        activity = ctx.content.activities.get(checkin.activity)
        rows.append(Service(checkin.activity_date.isoformat(), activity.title if activity else checkin.activity,
                            activity.place if activity else "", activity.organiser if activity else "",
                            round(checkin.hours, 1)))
    return rows
