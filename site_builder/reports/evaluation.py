"""Half-year 民主测评: results per member and feedback sheets per department (scale: site.yaml evaluation.grades).

A community party organisation evaluates the members who reported to it and feeds the results back to
each member's department (实施方案 三(二)5), so a department's feedback holds one sheet per community, each
with that community's members, grade counts and its own seal line.

The records come from the 民主测评 CSV imported by `site-builder ingest` (type `evaluation`); this module
only reads them. Per member, period and evaluating community the newest effective record counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from site_builder import rules
from site_builder.ledger.snapshot import Record
from site_builder.reports.context import ReportContext
from site_builder.facts import MemberFacts


@dataclass(frozen=True)
class Result:
    card: str
    name: str
    department: str  # code
    community: str  # the evaluating community's name
    grade: str
    in_scale: bool  # grade is one of the configured grades
    pledge_done: str
    notes: str
    important: bool


def periods(ctx: ReportContext) -> list[str]:
    """Half years of the programme year that have begun by today, plus any period evaluated in that year."""
    begun = [f"{ctx.year}H1"] + ([f"{ctx.year}H2"] if ctx.today >= dt.date(ctx.year, 7, 1) else [])
    seen = {str(r.get("period")) for r in ctx.snapshot.of("evaluation") if str(r.get("period", "")).startswith(str(ctx.year))}
    return sorted(set(begun) | seen)


def half_year(period: str) -> tuple[dt.date, dt.date]:
    year = int(period[:4])
    return (dt.date(year, 1, 1), dt.date(year, 6, 30)) if period.endswith("1") else (dt.date(year, 7, 1), dt.date(year, 12, 31))


def results(ctx: ReportContext, period: str) -> list[Result]:
    newest: dict[tuple[str, str], Record] = {}
    for record in ctx.snapshot.of("evaluation"):  # oldest first
        if record.get("period") == period:
            newest[(record.card, str(record.get("community", "")))] = record
    grades = ctx.content.site.evaluation_grades
    rows = [_result(ctx, record, grades) for _key, record in sorted(newest.items())]
    return sorted(rows, key=lambda r: (r.department, r.card, r.community))


def by_card(ctx: ReportContext, period: str) -> dict[str, list[Result]]:
    """The period's results by card, computed once per report run."""
    key = ("results by card", period)
    if key not in ctx.extra:
        found: dict[str, list[Result]] = {}
        for result in results(ctx, period):
            found.setdefault(result.card, []).append(result)
        ctx.extra[key] = found
    return ctx.extra[key]


def _result(ctx: ReportContext, record: Record, grades: tuple[str, ...]) -> Result:
    community = ctx.content.communities.get(str(record.get("community", "")))
    grade = str(record.get("grade", ""))
    return Result(record.card, ctx.name_of(record.card), record.card.split("-", 1)[0],
                  community.name if community else str(record.get("community", "")), grade, grade in grades,
                  str(record.get("pledge_done") or ""), str(record.get("notes") or ""), record.get("important") is True)


@dataclass(frozen=True)
class FeedbackRow:
    member: MemberFacts
    name: str
    community: str
    posts: str
    activities: int  # counted activities in the half year
    hours: float
    results: list[Result]


def feedback(ctx: ReportContext, period: str, department: str) -> list[FeedbackRow]:
    """Every member of the department reported by today, with the half year's activities and grades."""
    start, end = half_year(period)
    rows = []
    for m in ctx.members_of(department):
        if not m.reported_by(ctx.today):
            continue
        visits = [c for c in m.visits.values() if start <= c.activity_date <= end]
        community = ctx.content.communities.get(m.community or "")
        posts = "、".join(f"{ctx.content.posts[p].title}（{p}）" if p in ctx.content.posts else p for p in m.posts)
        rows.append(FeedbackRow(m, m.name, community.name if community else "", posts, len(visits),
                                rules.hours_sum(c.hours for c in visits),
                                by_card(ctx, period).get(m.card, [])))
    return rows


@dataclass(frozen=True)
class FeedbackSheet:
    """What one community feeds back to one department: its members there, the grade counts, one seal."""

    community: str  # the community's id ("" for members whose community the content does not know)
    name: str
    rows: list[FeedbackRow]
    counts: list[tuple[str, int]]


def feedback_sheets(ctx: ReportContext, period: str, department: str) -> list[FeedbackSheet]:
    """The department's feedback rows split by the community each member reported to, communities in
    communities.yaml order (an unknown one after them, under its id)."""
    by_community: dict[str, list[FeedbackRow]] = {}
    for row in feedback(ctx, period, department):
        by_community.setdefault(row.member.community or "", []).append(row)
    order = list(ctx.content.communities)
    keys = sorted(by_community, key=lambda c: (order.index(c) if c in order else len(order), c))
    sheets = []
    for cid in keys:
        community = ctx.content.communities.get(cid)
        rows = by_community[cid]
        sheets.append(FeedbackSheet(cid, community.name if community else (cid or "未知社区"), rows,
                                    grade_counts(ctx, rows)))
    return sheets


def grade_counts(ctx: ReportContext, rows: list[FeedbackRow]) -> list[tuple[str, int]]:
    grades = ctx.content.site.evaluation_grades
    counts = {g: 0 for g in grades}
    for row in rows:
        for r in row.results:
            if r.in_scale:
                counts[r.grade] += 1
    unevaluated = sum(1 for row in rows if not row.results)
    return list(counts.items()) + [("未测评", unevaluated)]
