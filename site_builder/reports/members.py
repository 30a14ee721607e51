"""Per member: activities this year against the target, hours, star level; per department the share at
three stars or above against the target, and whether the threshold table lets that target be met."""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.facts import stars
from site_builder.reports.context import ReportContext
from site_builder.facts import MemberFacts
from site_builder.reports.sheets import Table

DEFAULT_ACTIVITY_HOURS = 3.0  # used only when no activity of the year has planned hours


@dataclass(frozen=True)
class DepartmentStars:
    code: str
    name: str
    members: list[MemberFacts]  # reported by today
    at_three: int  # members at three stars or above
    meeting_activities: int  # members with at least the target number of activities
    unregistered: list[MemberFacts]  # cards with counted check-ins this year but no registration by today

    @property
    def share(self) -> float | None:
        return self.at_three / len(self.members) if self.members else None


def departments(ctx: ReportContext) -> list[DepartmentStars]:
    rows = []
    for code, department in ctx.content.departments.items():
        members = [m for m in ctx.members_of(code) if m.reported_by(ctx.today)]
        target = ctx.content.site.targets.activities_per_member
        rows.append(DepartmentStars(code, department.name, members, sum(1 for m in members if m.star >= 3),
                                    sum(1 for m in members if m.activities >= target),
                                    [m for m in ctx.members_of(code) if m.visits and not m.reported_by(ctx.today)]))
    return rows


def reachability(ctx: ReportContext) -> dict:
    """An honest estimate: hours a member logs a year at the target pace, against the three-star threshold."""
    targets = ctx.content.site.targets
    planned = [a.hours for a in ctx.content.activities.values() if a.date.year == ctx.year and a.hours]
    per_activity = round(sum(planned) / len(planned), 1) if planned else DEFAULT_ACTIVITY_HOURS
    per_year = round(per_activity * targets.activities_per_member, 1)
    needed = stars.three_star_hours(targets.star_hours)
    years = None if needed is None or per_year <= 0 else -(-needed // per_year)
    return {"per_activity": per_activity, "per_year": per_year, "needed": needed, "years": years,
            "reachable_this_year": needed is not None and per_year >= needed}


def table(ctx: ReportContext, rows: list[DepartmentStars]) -> Table:
    target = ctx.content.site.targets.activities_per_member
    columns = ("部门", "报到卡编号", "姓名", "报到社区", f"本年活动次数（目标{target}次）", "是否达到",
               "本年志愿服务时长（小时）", "累计时长（小时）", "星级")
    body = []
    for d in rows:
        for m in d.members:
            body.append((d.name, m.card, m.name, ctx.content.communities[m.community].name
                         if m.community in ctx.content.communities else (m.community or ""),
                         m.activities, "是" if m.activities >= target else "否", m.hours, m.total_hours,
                         stars.label(m.star)))
    return Table(f"{ctx.year}年在职党员参加活动、时长与星级（星级标准：{ctx.basis.star_table}）", columns, body,
                 sheet="活动时长星级")
