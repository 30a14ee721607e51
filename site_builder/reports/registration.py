"""Per department: registration rate against the target, as of the deadline and as of today.

The programme's target (实施方案: 5 月 10 日前报到率达到 90% 以上) is judged at the deadline: a department that
reached the rate only later has not met it, and one that met it then still has. The rate today is shown
beside it (and judged against the same target), so a department that caught up is visible too."""

from __future__ import annotations

from dataclasses import dataclass, field

from site_builder.reports.context import ReportContext
from site_builder.reports.sheets import Table


@dataclass(frozen=True)
class DepartmentRate:
    code: str
    name: str
    headcount: int
    target: float  # site.yaml targets.registration_rate
    deadline_passed: bool  # today is after the deadline (before it, by_deadline is today's figure)
    by_deadline: int  # members reported on or before the deadline
    by_today: int
    not_reported: list[tuple[str, str, str]]  # (card, name, branch) from the roster, not reported by today
    late: list[tuple[str, str, str]]  # reported after the deadline: (card, name, registered on)
    unlisted: list[tuple[str, str]]  # reported with a card the roster does not hold: (card, name)
    receipts: int = 0  # reported members whose 回执 came back to the unit (recorded at the desk)
    no_receipt: list[tuple[str, str, str]] = field(default_factory=list)  # reported, 回执 not back: (card, name, community)

    def rate(self, reported: int) -> float:
        return reported / self.headcount if self.headcount else 0.0

    @property
    def rate_deadline(self) -> float:
        return self.rate(self.by_deadline)

    @property
    def rate_today(self) -> float:
        return self.rate(self.by_today)

    @property
    def met_at_deadline(self) -> bool | None:
        """The target judged at the deadline; None while the deadline is still to come."""
        return self.rate_deadline >= self.target if self.deadline_passed else None

    @property
    def met_today(self) -> bool:
        return self.rate_today >= self.target

    @property
    def verdict(self) -> str:
        """达标 (at the deadline) as a report says it."""
        if self.met_at_deadline is None:
            return "截止日未到"
        return "达标" if self.met_at_deadline else "未达标"


def rates(ctx: ReportContext) -> list[DepartmentRate]:
    return [_rate(ctx, code) for code in ctx.content.departments]


def _rate(ctx: ReportContext, code: str) -> DepartmentRate:
    department = ctx.content.departments[code]
    members = ctx.members_of(code)
    deadline = min(ctx.deadline, ctx.today)
    reported = {m.card for m in members if m.reported_by(ctx.today)}
    missing = [(r.card, r.name, r.branch) for r in ctx.roster_of(code) if r.card not in reported]
    late = [(m.card, m.name, m.registered_on.isoformat()) for m in members
            if m.registered_on is not None and m.reported_by(ctx.today) and not m.reported_by(ctx.deadline)]
    unlisted = [(m.card, m.name) for m in members if m.card in reported and ctx.roster and m.card not in ctx.roster]
    receipts = ctx.snapshot.receipts
    back = [m for m in members if m.card in reported and (m.card, ctx.year) in receipts]
    no_receipt = [(m.card, m.name, _community_name(ctx, m.community)) for m in members
                  if m.card in reported and (m.card, ctx.year) not in receipts]
    return DepartmentRate(code, department.name, department.headcount, ctx.content.site.targets.registration_rate,
                          ctx.today > ctx.deadline,
                          sum(1 for m in members if m.reported_by(deadline)), len(reported),
                          sorted(missing), sorted(late), sorted(unlisted), len(back), sorted(no_receipt))


def _community_name(ctx: ReportContext, community: str | None) -> str:
    found = ctx.content.communities.get(community or "")
    return found.name if found else (community or "")



def table(ctx: ReportContext, rows: list[DepartmentRate]) -> Table:
    target = ctx.content.site.targets.registration_rate
    columns = ("部门编码", "部门", "在职党员数", f"截至{ctx.deadline.isoformat()}已报到", "截止日报到率",
               f"截至{ctx.today.isoformat()}已报到", "当前报到率", f"截止日是否达到{target:.0%}（考核）",
               f"当前是否达到{target:.0%}", "未报到人数（花名册）", "回执已交回", "回执未交回")
    return Table(f"{ctx.year}年在职党员到社区报到率", columns, [
        (r.code, r.name, r.headcount, r.by_deadline, round(r.rate_deadline, 4), r.by_today, round(r.rate_today, 4),
         {None: "截止日未到", True: "是", False: "否"}[r.met_at_deadline], "是" if r.met_today else "否",
         len(r.not_reported), r.receipts, len(r.no_receipt)) for r in rows], sheet="报到率")
