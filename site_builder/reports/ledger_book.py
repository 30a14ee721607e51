"""The 台账 (在职党员到社区报到工作台账): a row per member, per department and per community."""

from __future__ import annotations

from site_builder.facts import stars
from site_builder.reports import evaluation
from site_builder.reports.context import ReportContext
from site_builder.facts import MemberFacts
from site_builder.reports.sheets import Table

COLUMNS = ("报到卡编号", "姓名", "部门", "党支部", "报到社区", "报到日期", "是否按期报到", "认领岗位", "服务承诺",
           "上半年活动次数", "下半年活动次数", "本年活动次数", "本年志愿服务时长（小时）", "累计时长（小时）", "星级",
           "上半年测评", "下半年测评", "重要情况")


def department_table(ctx: ReportContext, code: str) -> Table:
    name = ctx.content.departments[code].name
    members = [m for m in ctx.members_of(code) if m.reported_by(ctx.today)]
    rows = [_row(ctx, m) for m in members]
    known = {m.card for m in members}
    rows += [_unreported(ctx, card) for card in sorted(e.card for e in ctx.roster_of(code)) if card not in known]
    return Table(f"{name} {ctx.year}年在职党员到社区报到工作台账", COLUMNS, rows)


def community_table(ctx: ReportContext, cid: str) -> Table:
    name = ctx.content.communities[cid].name
    rows = [_row(ctx, m) for m in ctx.reported_in(cid)]
    return Table(f"{name} {ctx.year}年在职党员报到台账", COLUMNS, rows)


def _row(ctx: ReportContext, m: MemberFacts) -> tuple:
    content = ctx.content
    h1, h2 = (f"{ctx.year}H1", f"{ctx.year}H2")
    grades = {p: _grades(ctx, m, p) for p in (h1, h2)}
    community = content.communities.get(m.community or "")
    return (m.card, m.name, _department(ctx, m.department), ctx.branch_of(m.card),
            community.name if community else (m.community or ""),
            m.registered_on.isoformat() if m.registered_on else "",
            "是" if m.reported_by(ctx.deadline) else "否",
            "、".join(f"{content.posts[p].title}（{p}）" if p in content.posts else p for p in m.posts),
            "；".join(str(r.get("pledge") or "") for r in m.pledges),
            _activities_in(m, h1), _activities_in(m, h2), m.activities, m.hours, m.total_hours, stars.label(m.star),
            grades[h1][0], grades[h2][0], "；".join(n for p in (h1, h2) for n in grades[p][1]))


def _unreported(ctx: ReportContext, card: str) -> tuple:
    entry = ctx.roster[card]
    code = card.split("-", 1)[0]
    return (card, entry.name, _department(ctx, code), entry.branch, "未报到", "", "否", "", "",
            0, 0, 0, 0.0, 0.0, "", "", "", "")


def _department(ctx: ReportContext, code: str) -> str:
    department = ctx.content.departments.get(code)
    return department.name if department else code


def _activities_in(m: MemberFacts, period: str) -> int:
    start, end = evaluation.half_year(period)
    return sum(1 for c in m.visits.values() if start <= c.activity_date <= end)


def _grades(ctx: ReportContext, m: MemberFacts, period: str) -> tuple[str, list[str]]:
    found = evaluation.by_card(ctx, period).get(m.card, [])
    grade = "、".join(f"{r.grade}（{r.community}）" for r in found)
    notes = [f"{r.community}：{r.notes or '重要情况'}" for r in found if r.important]
    return grade, notes
