"""The printable reports in real Chromium (Debian's /usr/bin/chromium): one card or certificate per A4 page,
plus the page that states what was counted; the check-in code sheet on A4, several codes a page; the
spreadsheets' print setup; on a desktop screen the reports use the window's width."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import pytest

import kit

from site_builder.ledger import codesheet
from site_builder.reports import build, context, output

CHROMIUM = Path("/usr/bin/chromium")
PAGE = re.compile(rb"/Type\s*/Page(?![s\w])")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("print")
    ledger, roster = kit.ingest_small(tmp)
    out = tmp / "reports"
    output.write(out, build.render_reports(context.load(kit.small_content(), ledger, roster, kit.TODAY)))
    (out / "codes.html").write_text(codesheet.sheet(*code_sheet()), encoding="utf-8")
    pdfs: dict[str, bytes] = {}
    sizes: dict[str, tuple[float, float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        for name in ("cards/report-D01", "cards/report-D02", "cards/profile-D02", "cards/pledge-D01",
                     "certificates/D01", "registration", "codes", "feedback/2026H1-D01", "members"):
            page.goto((out / f"{name}.html").as_uri())
            pdfs[name] = page.pdf(prefer_css_page_size=True)
        page.goto((out / "cards/report-D01.html").as_uri())
        box = page.locator("svg.qr").first.bounding_box()
        sizes["qr"] = (box["width"], box["height"])
        wide = browser.new_page(viewport={"width": 1600, "height": 900})
        wide.goto((out / "registration.html").as_uri())
        sizes["table on a desktop"] = (wide.locator("table.figures").bounding_box()["width"], 1600)
        browser.close()
    return pdfs, sizes


CODE_CARDS = 13


def code_sheet():
    """The sample's small content with 13 activities (one more than two full pages of six)."""
    content = kit.small_content()
    first = next(iter(content.activities.values()))
    content.activities = {f"2026-07-{n:02d}-yangguang": dataclasses.replace(
        first, id=f"2026-07-{n:02d}-yangguang", title=f"七月活动第{n}场：小区环境整治与政策宣传", date=dt.date(2026, 7, n))
        for n in range(1, CODE_CARDS + 1)}
    return content, list(content.activities.values()), bytes(range(32)), "签到码 2026-07-01 至 2026-07-13"


def a4(pdf: bytes) -> bool:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]", pdf)
    return bool(boxes) and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in boxes)


def pages(pdf: bytes) -> int:
    return len(PAGE.findall(pdf))


def test_one_three_part_report_card_per_page(printed):
    pdfs, _ = printed
    assert pages(pdfs["cards/report-D01"]) == 5 + 1  # five cards D01 issued, then the basis page
    assert pages(pdfs["cards/report-D02"]) == 4 + 1


def test_other_cards_and_certificates_one_per_page(printed):
    pdfs, _ = printed
    assert pages(pdfs["cards/profile-D02"]) == 4 + 1
    assert pages(pdfs["cards/pledge-D01"]) == 5 + 1
    assert pages(pdfs["certificates/D01"]) == 3 + 1  # three D01 members with counted activities


def test_registration_report_prints_on_a4(printed):
    pdfs, _ = printed
    assert 1 <= pages(pdfs["registration"]) <= 3
    assert a4(pdfs["registration"])  # A4 in points: 595 x 842


def test_every_printed_report_is_a4(printed):
    pdfs, _ = printed
    for name, pdf in pdfs.items():
        assert a4(pdf), name


def test_the_code_sheet_prints_several_codes_on_each_a4_page(printed):
    pdfs, _ = printed
    assert a4(pdfs["codes"])
    # six cards a page (four on the first, under the title): 13 cards on 3 pages, never one card a page
    assert pages(pdfs["codes"]) == 3


def test_feedback_prints_one_community_a_page(printed):
    pdfs, _ = printed
    assert pages(pdfs["feedback/2026H1-D01"]) == 2 + 1  # 阳光 and 景苑, then the basis page


def test_reports_use_the_width_of_a_desktop_screen(printed):
    _, sizes = printed
    width, window = sizes["table on a desktop"]
    assert width > 0.9 * window


def test_spreadsheets_print_on_a4_fit_to_width_with_repeated_headers(tmp_path):
    from openpyxl import load_workbook

    ledger, roster = kit.ingest_small(tmp_path)
    outputs = build.render_reports(context.load(kit.small_content(), ledger, roster, kit.TODAY))
    books = [p for p in outputs if p.endswith(".xlsx")]
    assert len(books) >= 6
    for path in books:
        book = load_workbook(io.BytesIO(outputs[path]))
        for sheet in book.worksheets:
            setup = sheet.page_setup
            assert setup.paperSize == 9, path  # A4 in the OOXML paper-size list
            assert (setup.fitToWidth, setup.fitToHeight, sheet.sheet_properties.pageSetUpPr.fitToPage) == (1, 0, True)
            assert sheet.print_title_rows == ("$1:$2" if sheet.title != "统计口径" else "$1:$1"), (path, sheet.title)
    ledger_sheet = load_workbook(io.BytesIO(outputs["ledger/department-D01.xlsx"]))["台账"]
    assert ledger_sheet.page_setup.orientation == "landscape"  # 18 columns


def test_qr_code_is_drawn_at_print_size(printed):
    _, sizes = printed
    width, height = sizes["qr"]
    assert width == height and 100 <= width <= 130  # 30 mm at 96 px per inch is 113 px
