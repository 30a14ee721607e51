"""Every private report as output path -> bytes (output.py writes them to build/reports/, never build/site/)."""

from __future__ import annotations

from pathlib import Path

from site_builder import rules
from site_builder.reports import cards, certificates, duties, evaluation, ledger_book, members, registration
from site_builder.reports.context import ReportContext
from site_builder.reports.output import MARKER
from site_builder.reports.render import THEME, environment, page
from site_builder.reports.sheets import basis_rows, csv_bytes, xlsx_bytes

def render_reports(ctx: ReportContext, theme_dir: Path = THEME) -> dict[str, bytes]:
    env = environment(theme_dir)
    common = {"site": ctx.content.site, "basis": ctx.basis, "basis_rows": basis_rows(ctx.basis), "ctx": ctx}
    out: dict[str, bytes] = {"report.css": (theme_dir / "report.css").read_bytes()}
    index: dict[str, list[tuple[str, str]]] = {}

    def add(section: str, title: str, path: str, data: bytes) -> None:
        out[path] = data
        index.setdefault(section, []).append((title, path))

    def html(section: str, title: str, path: str, template: str, **context) -> None:
        root = "../" * path.count("/")
        add(section, title, path, page(env, template, title=title, root=root, **common, **context))

    def sheet(section: str, title: str, stem: str, table) -> None:
        add(section, f"{title}（Excel）", f"{stem}.xlsx", xlsx_bytes(table, ctx.basis))
        add(section, f"{title}（CSV）", f"{stem}.csv", csv_bytes(table))

    _registration(ctx, html, sheet)
    _members(ctx, html, sheet)
    _evaluation(ctx, html)
    _ledgers(ctx, sheet)
    _cards(ctx, html)
    _duties(ctx, html, sheet)
    out["index.html"] = page(env, "index.html", title=f"{ctx.year}年在职党员到社区志愿服务工作报表", root="",
                             index=index, summary=summary(ctx), **common)
    out[MARKER] = b"written by site-builder report; private: never publish\n"
    return out


def summary(ctx: ReportContext) -> list[tuple[str, str]]:
    """Headline figures for the index (private: no suppression of small groups)."""
    targets = ctx.content.site.targets
    headcount = sum(d.headcount for d in ctx.content.departments.values())
    reported = ctx.facts.reported()
    on_time = sum(1 for m in reported if m.reported_by(ctx.deadline))
    hours = rules.hours_sum(c.hours for c in ctx.facts.checkins)
    meeting = sum(1 for m in reported if m.activities >= targets.activities_per_member)
    three = sum(1 for m in reported if m.star >= 3)

    def share(n: int, of: int) -> str:
        return f"{n}（{n / of:.1%}）" if of else str(n)

    return [("在职党员数（departments.yaml）", str(headcount)),
            (f"截至{ctx.deadline.isoformat()}已报到", share(on_time, headcount)),
            (f"截至{ctx.today.isoformat()}已报到", share(len(reported), headcount)),
            ("已开展活动（有计入签到的活动）", str(len({c.activity for c in ctx.facts.checkins}))),
            ("志愿服务时长（小时）", f"{hours:g}"),
            ("认领岗位人次", str(sum(len(m.posts) for m in ctx.facts.members.values()))),
            (f"活动达{targets.activities_per_member}次的报到党员", share(meeting, len(reported))),
            ("三星级以上报到党员", share(three, len(reported)))]


def _registration(ctx, html, sheet) -> None:
    rows = registration.rates(ctx)
    html("报到", "各部门报到率", "registration.html", "registration.html", rows=rows)
    sheet("报到", "各部门报到率", "registration", registration.table(ctx, rows))


def _members(ctx, html, sheet) -> None:
    rows = members.departments(ctx)
    html("活动、时长与星级", "党员活动次数、时长与星级", "members.html", "members.html", rows=rows,
         reach=members.reachability(ctx))
    sheet("活动、时长与星级", "党员活动次数、时长与星级", "members", members.table(ctx, rows))


def _evaluation(ctx, html) -> None:
    for period in evaluation.periods(ctx):
        results = evaluation.results(ctx, period)
        name = f"{period[:4]}年{'上' if period.endswith('1') else '下'}半年"
        html("民主测评", f"{name}民主测评结果", f"evaluation-{period}.html", "evaluation.html",
             period=period, results=results)
        for code, department in ctx.content.departments.items():
            html("民主测评", f"{name}反馈表：{department.name}", f"feedback/{period}-{code}.html", "feedback.html",
                 period=period, department=department, sheets=evaluation.feedback_sheets(ctx, period, code))


def _ledgers(ctx, sheet) -> None:
    for code, department in ctx.content.departments.items():
        sheet("台账（部门）", f"{department.name}台账", f"ledger/department-{code}", ledger_book.department_table(ctx, code))
    for cid, community in ctx.content.communities.items():
        sheet("台账（社区）", f"{community.name}台账", f"ledger/community-{cid}", ledger_book.community_table(ctx, cid))


def _duties(ctx, html, sheet) -> None:
    """结对帮扶 coverage (ctx.extra["pairings"]: data/pairings.csv, None without one) and the 民情日记 picked
    for 择优报送, one page per department that picked any."""
    pairings = ctx.extra.get("pairings")
    rows = duties.coverage(ctx.content, pairings) if pairings is not None else None
    html("结对帮扶", "结对帮扶覆盖情况", "pairings.html", "pairings.html", rows=rows,
         pairs=duties.pairing_rows(ctx, pairings or []))
    if rows is not None:
        sheet("结对帮扶", "结对帮扶覆盖情况", "pairings", duties.coverage_table(ctx, rows))
    for code, department in ctx.content.departments.items():
        entries = duties.selected_diaries(ctx, code)
        if entries:
            html("民情日记择优报送", f"{department.name}：择优报送的民情日记", f"diary/{code}.html", "diary.html",
                 entries=entries, department=department)


def _cards(ctx, html) -> None:
    for code, department in ctx.content.departments.items():
        issued = cards.cards(ctx, code)
        html("卡片", f"{department.name}：报到卡", f"cards/report-{code}.html", "card-report.html", cards=issued,
             department=department)
        html("卡片", f"{department.name}：基本情况登记卡", f"cards/profile-{code}.html", "card-profile.html",
             cards=issued, department=department, intentions=lambda codes: cards.intentions(ctx, codes))
        html("卡片", f"{department.name}：服务承诺卡", f"cards/pledge-{code}.html", "card-pledge.html",
             cards=[c for c in issued if c.registration], department=department)
        html("志愿服务记录证明", f"{department.name}：志愿服务记录证明", f"certificates/{code}.html",
             "certificate.html", certificates=certificates.certificates(ctx, code), department=department)
