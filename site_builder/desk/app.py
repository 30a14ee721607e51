"""The desk's Starlette application: pages (GET) and actions (POST, each followed by the page again with
a message). Every action calls the same function as the command line:

| action | function |
|---|---|
| 导入文件 (upload) | commands.ingest.ingest_files |
| 确认/退回签到 | ledger.decisions.apply |
| 审核认领 | ledger.claims.decide |
| 民主测评录入 | a one-row 民主测评 CSV through commands.ingest.ingest_files (ledger/evaluation_csv.py) |
| 择优报送 | ledger.staff.select_diaries; printed with reports' diary.html |
| 回执登记 | ledger.staff.record_receipt |
| 签到码、报表 | commands.codes.write_codes, commands.report.write_reports |

Safety without a login: the server listens on 127.0.0.1 only (commands/desk.py refuses anything else),
answers only requests whose Host is 127.0.0.1 or localhost (DNS rebinding), and refuses a POST that
does not come from its own pages (Origin check and a per-process form token), so another web site open
in the same browser cannot act through it. Errors of the project's own kind are shown in Chinese on the
page; nothing is written then.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import secrets
import shutil
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import jinja2
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from site_builder import clock, guard
from site_builder.build import Options, load_checked
from site_builder.clock import now_iso
from site_builder.commands import codes as codes_command
from site_builder.commands import ingest as ingest_command
from site_builder.commands import report as report_command
from site_builder.errors import ContentErrors, SiteBuilderError
from site_builder.facts import YearFacts, department_of, year_facts
from site_builder.ledger import claims, db, decisions, roster, snapshot, staff
from site_builder.ledger import queries
from site_builder.ledger.queries import VERIFICATION_NAMES
from site_builder.ledger.summary import flag_name
from site_builder.model import Content
from site_builder.reports import context as report_context
from site_builder.reports import duties as report_duties
from site_builder.reports.render import environment as report_environment
from site_builder.rules import RECORD_TYPES, normalise_card
from site_builder.safetext import printable

THEME = Path(__file__).resolve().parents[2] / "theme" / "desk"
HOST = "127.0.0.1"
UPLOAD_SUFFIXES = (".json", ".csv")
MAX_UPLOAD = 20 * 1024 * 1024  # the size ingest accepts (formats.MAX_BYTES)


@dataclass(frozen=True)
class Settings:
    content_dir: Path
    data_dir: Path
    ledger: Path
    out: Path  # private reports folder (build/reports)
    today: dt.date | None  # None: the clock (SITE_BUILDER_TODAY or today in Beijing)


class Desk:
    """State shared by the requests: settings, the form token, the content (reloaded when a file changes)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.token = secrets.token_urlsafe(24)
        self._content: tuple[tuple, Content] | None = None
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(THEME)), autoescape=True,
                                      undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.env.filters["flag_name"] = flag_name
        self.env.globals.update(record_types=RECORD_TYPES, verification_names=VERIFICATION_NAMES,
                                decision_names=staff.CLAIM_DECISION_NAMES)

    @property
    def today(self) -> dt.date:
        return clock.today(self.settings.today)

    def content(self) -> Content:
        """The content, loaded again whenever a file of content/ changed (its names, sizes and times)."""
        signature = _signature(self.settings.content_dir)
        if self._content is None or self._content[0] != signature:
            loaded = load_checked(Options(content_dir=self.settings.content_dir, today=self.today, drafts=True))
            self._content = (signature, loaded)
        return self._content[1]

    def state(self) -> tuple[Content, snapshot.Snapshot, YearFacts]:
        content = self.content()
        snap = snapshot.read(self.settings.ledger)
        return content, snap, year_facts(content, snap, self.today)

    def roster(self) -> dict[str, roster.Member]:
        return roster.load(self.settings.data_dir / roster.ROSTER_FILE) or {}

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        page = self.env.get_template(template).render(token=self.token, path=request.url.path, today=self.today,
                                                       messages=context.pop("messages", []),
                                                       errors=context.pop("errors", []), **context)
        return HTMLResponse(page, status_code=status)


def _signature(folder: Path) -> tuple:
    found = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in sorted(files):
            try:
                stat = os.stat(os.path.join(root, name))
            except OSError:
                continue
            found.append((root, name, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


def errors_of(error: SiteBuilderError) -> list[str]:
    """A project error as the lines users read (each located problem on its own line)."""
    if isinstance(error, ContentErrors):
        return [str(p) for p in error.problems]
    return [str(error)]


# --- the pages ------------------------------------------------------------------------------------

def home(desk: Desk, request: Request, **extra: Any) -> Response:
    content, snap, facts = desk.state()
    unverified = [c for c in snap.checkins if c.verification == "unverified"]
    places = claims.by_post(content, snap, facts)
    pending = sum(len(g.pending) for g in places.values() if not g.full)
    waiting = sum(len(g.waiting) for g in places.values())
    return desk.render(request, "home.html", figures=[
        ("待确认的签到", len(unverified), "/checkins"),
        ("待审核的认领", pending, "/claims"),
        ("候补中的认领", waiting, "/claims"),
        ("民情日记（有效记录）", len(snap.of("diary")), "/diary"),
        ("已选定择优报送", len(snap.diary_selected), "/diary"),
    ], as_of=snap.as_of, ledger=desk.settings.ledger, **extra)


def ingest_page(desk: Desk, request: Request, **extra: Any) -> Response:
    return desk.render(request, "ingest.html", **extra)


async def ingest_action(desk: Desk, request: Request) -> Response:
    form = await request.form()
    uploads = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not uploads:
        return ingest_page(desk, request, errors=["没有选择文件；应选择手机导出的 .json 文件或民主测评表 .csv"], status=400)
    folder = Path(tempfile.mkdtemp(prefix="desk-upload-", dir=_uploads(desk)))
    try:
        problems: list[str] = []
        paths: list[Path] = []
        for upload in uploads:
            name = Path(upload.filename or "").name or "upload"
            data = await upload.read(MAX_UPLOAD + 1)
            if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
                problems.append(f"{printable(name)}：不是导出文件或民主测评表；应为 .json 或 .csv 文件")
                continue
            path = folder / f"{len(paths):03d}-{name}"
            path.write_bytes(data)
            paths.append(path)
        if not paths:
            return ingest_page(desk, request, errors=problems, status=400)
        lines: list[str] = []
        status = ingest_command.ingest_files(paths, desk.settings.content_dir, desk.settings.data_dir,
                                             desk.settings.ledger, desk.today, lines.append, verbose=True)
        shown = [line.replace(f"{folder.name}/", "").replace(str(folder) + "/", "") for line in lines]
        shown = [_without_prefix(line) for line in shown]
        return ingest_page(desk, request, summary=shown, attention=status != 0, errors=problems)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _without_prefix(line: str) -> str:
    """Summary lines name the uploaded copy (`…/001-name.json`); show the name the file had."""
    start = line.find("【")
    end = line.find("】", start)
    if start < 0 or end < 0:
        return line
    name = line[start + 1:end].rsplit("/", 1)[-1]
    if len(name) > 4 and name[:3].isdigit() and name[3] == "-":
        name = name[4:]
    return line[:start + 1] + name + line[end:]


def _uploads(desk: Desk) -> Path:
    """Uploaded files wait here (private) only while they are ingested; ingest keeps them in data/archive/."""
    folder = desk.settings.data_dir / "desk-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def checkins_page(desk: Desk, request: Request, **extra: Any) -> Response:
    content, snap, facts = desk.state()
    people = desk.roster()
    rows = []
    for checkin in snap.checkins:
        if checkin.verification != "unverified":
            continue
        activity = content.activities.get(checkin.activity)
        rows.append({"id": checkin.record.id, "card": checkin.card, "name": _name(facts, people, checkin.card),
                     "activity": activity.title if activity else checkin.activity, "date": checkin.activity_date,
                     "hours": checkin.hours, "flags": sorted(checkin.record.flags),
                     "correction": bool(checkin.record.get("replaces"))})
    corrections = [r for records in snap.records.values() for r in records
                   if {"replaces_pending", "replaces_mismatch"} & r.flags]
    listed = {r["id"] for r in rows}
    waiting = []
    if Path(desk.settings.ledger).exists():
        conn = queries.open_read(desk.settings.ledger)
        try:
            waiting = [{"id": i, "type": t, "card": c, "name": _name(facts, people, c),
                        "created_at": at[:16].replace("T", " "), "flag": f, "detail": d}
                       for i, t, c, at, f, d in queries.awaiting(conn) if i not in listed]
        finally:
            conn.close()
    return desk.render(request, "checkins.html", rows=rows, corrections=corrections, waiting=waiting, **extra)


async def checkins_action(desk: Desk, request: Request) -> Response:
    form = await request.form()
    ids = [str(v) for v in form.getlist("record_id") if str(v).strip()]
    decision = {"confirm": "confirmed", "reject": "rejected"}.get(str(form.get("decision", "")))
    if not ids or decision is None:
        return checkins_page(desk, request, errors=["没有选择签到记录或决定；应勾选签到并点“确认”或“退回”"], status=400)
    wanted: list[tuple[decisions.Decision, str, int | None]] = [
        (decisions.Decision(i, decision, _text(form, "by"), _text(form, "note")), "工作台", None) for i in ids]
    conn = db.connect(desk.settings.ledger)
    try:
        count = decisions.apply(conn, wanted, now_iso())
    finally:
        conn.close()
    word = "确认" if decision == "confirmed" else "退回"
    if form.get("kind") == "awaiting":
        return checkins_page(desk, request, messages=[f"已{word} {count} 条待确认记录（确认的生效，退回的不生效，记录都保留）"])
    return checkins_page(desk, request, messages=[f"已{word} {count} 条签到（确认的计入时长，退回的不计入，记录都保留）"])


def claims_page(desk: Desk, request: Request, **extra: Any) -> Response:
    content, snap, facts = desk.state()
    community = request.query_params.get("community") or extra.pop("community", None) or next(iter(content.communities))
    if community not in content.communities:
        community = next(iter(content.communities))
    places = claims.by_post(content, snap, facts)
    groups = [places[p.code] for p in content.posts_of(community)]
    counts = {cid: sum(len(g.pending) for g in places.values() if g.post.community == cid) for cid in content.communities}
    return desk.render(request, "claims.html", content=content, community=content.communities[community],
                       groups=groups, counts=counts, **extra)


async def claims_action(desk: Desk, request: Request) -> Response:
    form = await request.form()
    card, post = normalise_card(_text(form, "card") or ""), _text(form, "post") or ""
    decision = {"approve": claims.APPROVED, "decline": claims.DECLINED, "reset": claims.PENDING}.get(str(form.get("decision")))
    content, snap, facts = desk.state()
    community = content.posts[post].community if post in content.posts else None
    if decision is None:
        return claims_page(desk, request, community=community, errors=["不明白要做的决定；应为同意、不同意或恢复待审核"], status=400)
    conn = db.connect(desk.settings.ledger)
    try:
        claim = claims.decide(conn, content, snap, facts, card, post, decision, now_iso(), _text(form, "by"), _text(form, "note"))
    except SiteBuilderError as error:
        return claims_page(desk, request, community=community, errors=errors_of(error), status=409)
    finally:
        conn.close()
    return claims_page(desk, request, community=community,
                       messages=[f"{claim.name or claim.card}（{claim.card}）认领 {post}：{staff.CLAIM_DECISION_NAMES[decision]}"])


def evaluation_page(desk: Desk, request: Request, **extra: Any) -> Response:
    content, snap, facts = desk.state()
    year = content.site.year
    periods = [f"{year}H1", f"{year}H2"]
    period = request.query_params.get("period") or extra.pop("period", None) or (periods[1] if desk.today.month > 6 else periods[0])
    entered = [r for r in snap.of("evaluation") if r.get("period") == period]
    people = desk.roster()
    return desk.render(request, "evaluation.html", content=content, periods=periods, period=period,
                       grades=content.site.evaluation_grades,
                       entered=[(r, _name(facts, people, r.card)) for r in sorted(entered, key=lambda r: (r.card, str(r.get("community"))))],
                       form=extra.pop("form", {}), **extra)


async def evaluation_action(desk: Desk, request: Request) -> Response:
    """One 民主测评 as a one-row sheet, ingested like any sheet: same id (card|period|community), a changed
    entry becomes a correction, formulas and unknown values are refused with the ingest's reasons."""
    form = await request.form()
    cells = {name: _text(form, name) or "" for name in ("card", "period", "community", "grade", "pledge_done", "notes")}
    cells["card"] = normalise_card(cells["card"])
    cells["important"] = "是" if form.get("important") else "否"
    cells["date"] = desk.today.isoformat()
    missing = [label for name, label in (("card", "报到卡编号"), ("period", "测评期"), ("community", "社区"), ("grade", "测评等次"))
               if not cells[name]]
    if missing:
        return evaluation_page(desk, request, period=cells["period"] or None, form=cells, status=400,
                               errors=[f"民主测评：缺少{'、'.join(missing)}；应填写完整后再保存"])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(cells), lineterminator="\r\n")
    writer.writeheader()
    writer.writerow(cells)
    folder = Path(tempfile.mkdtemp(prefix="desk-evaluation-", dir=_uploads(desk)))
    try:
        path = folder / f"工作台民主测评-{cells['card']}-{cells['period']}-{cells['community']}.csv"
        path.write_text(out.getvalue(), "utf-8")
        lines: list[str] = []
        status = ingest_command.ingest_files([path], desk.settings.content_dir, desk.settings.data_dir,
                                             desk.settings.ledger, desk.today, lines.append, verbose=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rejected = [line.strip() for line in lines if line.strip().startswith("退回 ")]
    if rejected:
        reasons = [line.split("：", 1)[-1] for line in rejected]
        return evaluation_page(desk, request, period=cells["period"], form=cells, status=400,
                               errors=[f"民主测评 {cells['card']} {cells['period']}：{r}" for r in reasons])
    known = any("已存在 1 条" in line for line in lines)
    note = "与已保存的测评相同，未改动" if known else "已保存（再次保存同一人同一期同一社区的测评，以最新一次为准）"
    flagged = [line.strip().removeprefix("标记 ") for line in lines if line.strip().startswith("标记 ")]
    return evaluation_page(desk, request, period=cells["period"],
                           messages=[f"民主测评 {cells['card']} {cells['period']}：{note}"] +
                           [f"请注意：{f}" for f in flagged if status])


def diary_page(desk: Desk, request: Request, **extra: Any) -> Response:
    content, snap, facts = desk.state()
    department = request.query_params.get("department") or extra.pop("department", None) or ""
    people = desk.roster()
    entries = [(r, _name(facts, people, r.card)) for r in snap.of("diary")
               if r.created_at.year == content.site.year or str(r.get("date", "")).startswith(str(content.site.year))]
    if department:
        entries = [(r, n) for r, n in entries if department_of(r.card) == department]
    return desk.render(request, "diary.html", content=content, department=department, entries=entries,
                       selected=snap.diary_selected, **extra)


async def diary_action(desk: Desk, request: Request) -> Response:
    form = await request.form()
    shown = [str(v) for v in form.getlist("shown")]
    picked = {str(v) for v in form.getlist("pick")}
    if not shown:
        return diary_page(desk, request, errors=["没有可选的民情日记"], status=400)
    conn = db.connect(desk.settings.ledger)
    try:
        staff.select_diaries(conn, {rid: rid in picked for rid in shown}, now_iso(), _text(form, "by"))
    finally:
        conn.close()
    department = _text(form, "department") or ""
    return diary_page(desk, request, department=department,
                      messages=[f"已保存择优报送：本页选定 {len(picked & set(shown))} 篇"])


def diary_print(desk: Desk, request: Request) -> Response:
    """The picked diary entries of one department, printed with the report's own template (reports/diary.html)."""
    content = desk.content()
    department = request.query_params.get("department", "")
    if department not in content.departments:
        return diary_page(desk, request, errors=[f"部门 “{printable(department)}” 不存在；应先选择一个部门"], status=400)
    ctx = report_context.load(content, desk.settings.ledger, desk.settings.data_dir / roster.ROSTER_FILE, desk.today)
    env = report_environment()
    page = env.get_template("diary.html").render(
        site=content.site, basis=ctx.basis, basis_rows=[], ctx=ctx, root="/reports/", title=f"{content.departments[department].name}：择优报送的民情日记",
        entries=report_duties.selected_diaries(ctx, department), department=content.departments[department])
    return HTMLResponse(page)


def receipts_page(desk: Desk, request: Request, **extra: Any) -> Response:
    content, snap, facts = desk.state()
    department = request.query_params.get("department") or extra.pop("department", None) or next(iter(content.departments))
    if department not in content.departments:
        department = next(iter(content.departments))
    year = content.site.year
    rows = [(m, content.communities[m.community].name if m.community in content.communities else "",
             snap.receipts.get((m.card, year))) for m in facts.reported() if m.department == department]
    return desk.render(request, "receipts.html", content=content, department=content.departments[department],
                       rows=rows, **extra)


async def receipts_action(desk: Desk, request: Request) -> Response:
    form = await request.form()
    content = desk.content()
    department = _text(form, "department") or ""
    cards = [normalise_card(str(v)) for v in form.getlist("card") if str(v).strip()]
    returned = form.get("action") != "withdraw"
    try:
        day = dt.date.fromisoformat(_text(form, "day") or desk.today.isoformat())
    except ValueError:
        return receipts_page(desk, request, department=department, status=400,
                             errors=[f"交回日期 “{printable(_text(form, 'day') or '')}” 不是日期；应为 YYYY-MM-DD"])
    if not cards:
        return receipts_page(desk, request, department=department, status=400, errors=["没有勾选党员；应勾选回执已交回的党员"])
    conn = db.connect(desk.settings.ledger)
    try:
        count = staff.record_receipt(conn, cards, content.site.year, returned, day, now_iso(), _text(form, "by"))
    finally:
        conn.close()
    word = f"已登记 {count} 份回执交回（{day.isoformat()}）" if returned else f"已撤销 {count} 份回执登记"
    return receipts_page(desk, request, department=department, messages=[word])


def print_page(desk: Desk, request: Request, **extra: Any) -> Response:
    return desk.render(request, "print.html", reports=(desk.settings.out / "index.html").is_file(),
                       start=extra.pop("start", desk.today.isoformat()), **extra)


async def print_action(desk: Desk, request: Request) -> Response:
    form = await request.form()
    lines: list[str] = []
    if form.get("what") == "codes":
        try:
            start = dt.date.fromisoformat(_text(form, "start") or "")
            days = int(_text(form, "days") or "31")
            if days < 1:
                raise ValueError
        except ValueError:
            return print_page(desk, request, status=400, errors=["开始日期或天数不对；应为 YYYY-MM-DD 和不小于 1 的整数"])
        path = codes_command.write_codes(desk.settings.content_dir, desk.settings.data_dir, desk.settings.out,
                                         start, days, lines.append)
        link = "/reports/" + path.relative_to(desk.settings.out).as_posix()
        return print_page(desk, request, start=start.isoformat(), messages=lines[:1], lines=lines[1:-1], link=(link, "打开签到码表（打印）"))
    options = Options(content_dir=desk.settings.content_dir, today=desk.settings.today, ledger=desk.settings.ledger)
    lines = report_command.write_reports(options, desk.settings.out, desk.settings.data_dir / roster.ROSTER_FILE,
                                         desk.settings.data_dir)
    return print_page(desk, request, messages=lines, link=("/reports/index.html", "打开报表目录（报到率、台账、卡片、证明、测评反馈…）"))


def _name(facts: YearFacts, people: dict[str, roster.Member], card: str) -> str:
    member = facts.members.get(card)
    if member and member.name:
        return member.name
    entry = people.get(card)
    return entry.name if entry else ""


def _text(form, name: str) -> str | None:
    value = form.get(name)
    return str(value).strip() or None if value is not None and not isinstance(value, UploadFile) else None


# --- the application ------------------------------------------------------------------------------

PAGES: dict[str, tuple[Callable, Callable | None]] = {
    "/": (home, None),
    "/ingest": (ingest_page, ingest_action),
    "/checkins": (checkins_page, checkins_action),
    "/claims": (claims_page, claims_action),
    "/evaluation": (evaluation_page, evaluation_action),
    "/diary": (diary_page, diary_action),
    "/receipts": (receipts_page, receipts_action),
    "/print": (print_page, print_action),
}


def create_app(settings: Settings) -> Starlette:
    desk = Desk(settings)

    def endpoint(show: Callable, act: Callable | None):
        async def handle(request: Request) -> Response:
            refused = _refused(request, desk)
            if refused is not None:
                return refused
            try:
                if request.method == "POST" and act is not None:
                    form = await request.form()
                    if not secrets.compare_digest(str(form.get("token", "")), desk.token):
                        return PlainTextResponse("表单已过期或不是从工作台提交的；应刷新页面后重新操作", status_code=403)
                    return await act(desk, request)
                return show(desk, request)
            except SiteBuilderError as error:
                return _error_page(desk, request, show, errors_of(error))
            except Exception as error:  # a bug: one Chinese line on the page, the traceback in the log
                log = guard.log_exception(settings.data_dir, None, error, what=f"desk {request.method} {request.url.path}")
                where = f"，详细记录见 {log}" if log else ""
                traceback.print_exc()
                return _error_page(desk, request, show, [f"工作台出现意外错误（{type(error).__name__}），未做任何改动{where}；请把该记录转给维护人员"], 500)
        return handle

    routes: list[Route | Mount] = [Route(path, endpoint(show, act), methods=["GET", "POST"] if act else ["GET"]) for path, (show, act) in PAGES.items()]
    routes.append(Route("/diary/print", endpoint(diary_print, None), methods=["GET"]))
    settings.out.mkdir(parents=True, exist_ok=True)
    routes.append(Mount("/reports", app=_Private(StaticFiles(directory=str(settings.out), html=True), desk)))
    return Starlette(routes=routes)


def _error_page(desk: Desk, request: Request, show: Callable, errors: list[str], status: int = 400) -> Response:
    try:
        return show(desk, request, errors=errors, status=status)
    except Exception:  # the page itself cannot be shown (content broken): the errors alone
        return desk.render(request, "error.html", errors=errors, status=status)


class _Private:
    """The reports folder, served only to this machine's own browser pages (same checks as the pages)."""

    def __init__(self, app, desk: Desk):
        self.app, self.desk = app, desk

    async def __call__(self, scope, receive, send):
        refused = _refused(Request(scope), self.desk)
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _refused(request: Request, desk: Desk) -> Response | None:
    client = request.client.host if request.client else ""
    if client not in (HOST, "::1", "testclient"):
        return PlainTextResponse("工作台只接受本机（127.0.0.1）的访问", status_code=403)
    host = (request.headers.get("host") or "").rsplit(":", 1)[0]
    if host not in (HOST, "localhost", "testserver"):
        return PlainTextResponse(f"地址 “{printable(host)}” 不是本机；应在本机浏览器打开 http://127.0.0.1 开头的地址", status_code=403)
    if request.method == "POST":
        origin = request.headers.get("origin")
        if origin and origin.split("://", 1)[-1].rsplit(":", 1)[0] not in (HOST, "localhost", "testserver"):
            return PlainTextResponse("拒绝来自其他网站的提交", status_code=403)
    return None
