"""Private reports for the small hand-computed case: figures, pages, spreadsheets, cards, certificates."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

import kit

from site_builder.errors import SiteBuilderError
from site_builder.reports import build, cards, certificates, context, evaluation, members, output, registration


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    ledger, roster = kit.ingest_small(tmp_path_factory.mktemp("report"))
    return context.load(kit.small_content(), ledger, roster, kit.TODAY)


@pytest.fixture(scope="module")
def outputs(ctx):
    return build.render_reports(ctx)


def test_registration_rate_at_the_deadline_and_today(ctx):
    d01, d02 = registration.rates(ctx)
    # D01 (headcount 5): 0001, 0002, 0003 and 0005 (first registered 05-05, corrected 06-01) by 05-10; 0004 on 05-20
    assert (d01.by_deadline, d01.rate_deadline, d01.by_today, d01.rate_today) == (4, 0.8, 5, 1.0)
    assert d01.late == [("D01-0004", "孙强", "2026-05-20")] and d01.not_reported == []
    # D02 (headcount 4): 0001 on 05-06, 0002 on 06-02; 0003 and 0004 on the roster never reported
    assert (d02.by_deadline, d02.rate_deadline, d02.by_today, d02.rate_today) == (1, 0.25, 2, 0.5)
    assert [card for card, _name, _branch in d02.not_reported] == ["D02-0003", "D02-0004"]


def test_activities_hours_and_stars_per_member(ctx):
    d01, d02 = members.departments(ctx)
    got = {m.card: (m.activities, m.hours, m.total_hours, m.star) for m in d01.members + d02.members}
    assert got == {
        "D01-0001": (3, 7.5, 11.5, 3),  # 3 + 2 + 2.5 this year, 4 h the year before; table 2/5/10
        "D01-0002": (2, 4.5, 4.5, 1),  # 2.5 + 2 (confirmed)
        "D01-0003": (0, 0.0, 0.0, 0),  # unverified check-in
        "D01-0004": (0, 0.0, 0.0, 0),  # rejected check-in
        "D01-0005": (1, 3.0, 3.0, 1),  # no check-out: planned hours
        "D02-0001": (0, 0.0, 0.0, 0),
        "D02-0002": (1, 2.5, 2.5, 1),
    }
    assert (d01.at_three, d01.share, d02.at_three, d02.share) == (1, 0.2, 0, 0.0)


def test_reachability_is_honest_about_the_threshold_table(ctx):
    assert members.reachability(ctx)["reachable_this_year"] is True  # 4 x 2.5 h = 10 h = three stars at 2/5/10
    national = context.load(kit.small_content(star_hours=(100, 300, 600, 1000, 1500)), Path(ctx.basis.ledger),
                            Path(ctx.basis.roster), kit.TODAY)
    reach = members.reachability(national)
    assert reach == {"per_activity": 2.5, "per_year": 10.0, "needed": 600, "years": 60, "reachable_this_year": False}
    page = build.render_reports(national)["members.html"].decode()
    assert "100/300/600/1000/1500 小时" in page and "无法实现" in page


def test_evaluation_results_and_feedback_sheets(ctx):
    results = evaluation.results(ctx, "2026H1")
    assert [(r.card, r.grade, r.important) for r in results] == [
        ("D01-0001", "优秀", False), ("D01-0002", "基本合格", True), ("D02-0002", "合格", False)]
    rows = evaluation.feedback(ctx, "2026H1", "D01")
    assert [(r.member.card, r.activities) for r in rows] == [
        ("D01-0001", 3), ("D01-0002", 2), ("D01-0003", 0), ("D01-0004", 0), ("D01-0005", 1)]
    assert evaluation.grade_counts(ctx, rows) == [("优秀", 1), ("合格", 0), ("基本合格", 1), ("不合格", 0), ("未测评", 3)]
    assert evaluation.periods(ctx) == ["2026H1", "2026H2"]


class Balanced(HTMLParser):
    VOID = {"meta", "link", "br", "img", "input", "hr", "path"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        self.stack.pop()


def test_every_page_parses_and_states_its_basis(outputs):
    pages = [p for p in outputs if p.endswith(".html")]
    assert len(pages) >= 15
    for path in pages:
        text = outputs[path].decode("utf-8")
        parser = Balanced()
        parser.feed(text)
        assert parser.stack == [], path
        assert "统计口径" in text and "数据截至：2026年11月19日 18:00" in text, path
        assert "未核验、已驳回的不计" in text and "不计入志愿服务时长" in text, path
        assert "未计入的签到记录：未核验</th><td>1<" in text and "未计入的签到记录：已驳回</th><td>1<" in text, path
        assert "计入的签到记录</th><td>7<" in text and "有效民主测评记录</th><td>3<" in text, path
        assert "计入但有标记的签到记录：未签退（按计划时长计）</th><td>1<" in text, path


def test_index_links_every_report(outputs):
    index = outputs["index.html"].decode()
    for figure in ("截至2026-05-10已报到</th><td class=\"num\">5（55.6%）", "截至2026-11-20已报到</th><td class=\"num\">7（77.8%）",
                   "志愿服务时长（小时）</th><td class=\"num\">17.5<", "认领岗位人次</th><td class=\"num\">5<"):
        assert figure in index, figure
    for path in outputs:
        if path not in ("index.html", "report.css", output.MARKER):
            assert f'href="{path}"' in index, path


def test_pages_show_the_key_figures(outputs):
    reg = outputs["registration.html"].decode()
    for figure in ("80.0%", "100.0%", "25.0%", "50.0%", "钱多多", "冯小宝"):
        assert figure in reg
    evaluation_page = outputs["evaluation-2026H1.html"].decode()
    assert 'class="important"' in evaluation_page and "多次未按约参加活动" in evaluation_page
    feedback = outputs["feedback/2026H1-D01.html"].decode()
    assert "区教育局" in feedback and "基本合格" in feedback and "未测评" in feedback


def test_ledger_spreadsheets_open_and_hold_the_right_rows(outputs):
    book = load_workbook(io.BytesIO(outputs["ledger/department-D02.xlsx"]))
    rows = list(book["台账"].iter_rows(values_only=True))
    assert rows[0][0] == "区民政局 2026年在职党员到社区报到工作台账"
    cards_ = [r[0] for r in rows[2:]]
    assert cards_ == ["D02-0001", "D02-0002", "D02-0003", "D02-0004"]
    d02_0002 = rows[3]
    assert d02_0002[4] == "景苑社区" and d02_0002[6] == "否" and d02_0002[11] == 1 and d02_0002[12] == 2.5
    assert "统计口径" in book.sheetnames
    book = load_workbook(io.BytesIO(outputs["ledger/community-yangguang.xlsx"]))
    assert [r[0] for r in book["台账"].iter_rows(min_row=3, values_only=True)] == ["D01-0001", "D01-0002", "D01-0003", "D01-0004"]


def test_csv_has_a_bom_and_the_same_rows(outputs):
    data = outputs["ledger/department-D01.csv"]
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][0] == "报到卡编号" and [r[0] for r in rows[1:]] == [f"D01-000{i}" for i in range(1, 6)]
    first = rows[1]
    assert first[1] == "王建华" and first[11] == "3" and first[12] == "7.5" and first[15] == "优秀（阳光社区）"
    reg = list(csv.reader(io.StringIO(outputs["registration.csv"].decode("utf-8-sig"))))
    assert reg[1][:5] == ["D01", "区教育局", "5", "4", "0.8"]


def test_cards_carry_a_qr_code_for_the_prefilled_form(ctx, outputs):
    assert cards.register_url("https://sansong.example.cn/", "D01-0001") == "https://sansong.example.cn/register/?card=D01-0001"
    page = outputs["cards/report-D02.html"].decode()
    for part in ("第一联 存根", "第二联 报到联", "第三联 回执"):
        assert page.count(part) == 4  # four 报到卡 issued by D02 (roster)
    assert page.count("沿此线剪开") == 8  # two cut lines a card
    assert page.count('<svg class="qr"') == 4
    assert str(cards.qr_svg("https://sansong.example.cn/register/?card=D02-0003")) in page
    pledge = outputs["cards/pledge-D01.html"].decode()
    assert "每月参加一次党员活动日" in pledge and "审定" in pledge and "政策宣传岗" in pledge
    assert "按承诺参加活动（阳光社区测评：优秀）" in pledge  # the half year's 民主测评 fills 上半年完成情况
    assert "13800138000" in outputs["cards/profile-D01.html"].decode()  # private card: the phone belongs here


def test_certificates_are_numbered_deterministically(ctx, outputs):
    certs = {c.member.card: c for c in certificates.certificates(ctx, "D01")}
    assert sorted(certs) == ["D01-0001", "D01-0002", "D01-0005"]
    first = certs["D01-0001"]
    assert first.hours == 7.5 and len(first.services) == 3
    assert first.number == certificates.number(2026, ctx.facts.members["D01-0001"])
    assert first.number.startswith("ZYFW-2026-D01-0001-")
    page = outputs["certificates/D01.html"].decode()
    assert first.number in page and "测试区志愿服务记录中心" in page and "2026年11月20日" in page
    assert "身份证" not in page


def test_reports_refuse_the_public_site_folder(tmp_path):
    for bad in (tmp_path / "build" / "site", tmp_path / "build" / "site" / "reports", tmp_path / "build"):
        with pytest.raises(SiteBuilderError):
            output.check_out_dir(bad, tmp_path)
    output.check_out_dir(tmp_path / "build" / "reports", tmp_path)


def test_write_replaces_only_its_own_folder(tmp_path, outputs):
    out = tmp_path / "reports"
    output.write(out, outputs)
    assert (out / "index.html").exists() and (out / output.MARKER).exists()
    output.check_out_dir(out, tmp_path)  # written by us: may be replaced
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("x")
    with pytest.raises(SiteBuilderError):
        output.check_out_dir(foreign, tmp_path)


def test_code_sheets_survive_a_report_and_a_report_accepts_their_folder(tmp_path, outputs):
    """`site-builder codes` writes build/reports/codes/ first: the report takes that folder and keeps the sheets."""
    out = tmp_path / "reports"
    sheet = out / "codes" / "codes-2026-12-01-31d.html"
    sheet.parent.mkdir(parents=True)
    sheet.write_text("签到码", encoding="utf-8")
    output.check_out_dir(out, tmp_path)  # only code sheets in it: not refused
    output.write(out, outputs)
    assert sheet.read_text(encoding="utf-8") == "签到码" and (out / "index.html").exists()
    output.write(out, outputs)  # a second report keeps them too
    assert sheet.exists()


def test_report_command_uses_the_project_defaults(tmp_path, monkeypatch, capsys):
    """From a project folder: content/, data/records.sqlite and data/roster.csv, out build/reports."""
    from site_builder import cli

    root = Path(__file__).resolve().parent.parent
    (tmp_path / "content").mkdir()
    for name in ("site.yaml", "departments.yaml", "communities.yaml", "categories.yaml"):
        (tmp_path / "content" / name).write_bytes((root / "content" / name).read_bytes())
    monkeypatch.chdir(tmp_path)
    assert cli.main(["report", "--today", "2026-06-01"]) == 0
    said = capsys.readouterr().out
    assert "报表已写入 build/reports" in said and "不存在" in said and "未找到花名册" in said
    assert (tmp_path / "build" / "reports" / "index.html").exists()
    assert not (tmp_path / "build" / "site").exists()


def test_before_the_deadline_the_deadline_rate_is_todays(ctx):
    early = context.load(kit.small_content(), Path(ctx.basis.ledger), Path(ctx.basis.roster), kit.dt.date(2026, 5, 8))
    d01, d02 = registration.rates(early)
    assert (d01.by_deadline, d01.by_today, d02.by_deadline, d02.by_today) == (3, 3, 1, 1)  # 0001, 0002, 0005; 0001
    book = load_workbook(io.BytesIO(build.render_reports(early)["registration.xlsx"]))
    rate = book["报到率"]["E3"]
    assert rate.value == 0.6 and rate.number_format == "0.0%"
