"""The printable reports in real Chromium (Debian's /usr/bin/chromium): one card or certificate per A4 page,
plus the page that states what was counted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kit

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
    pdfs: dict[str, bytes] = {}
    sizes: dict[str, tuple[float, float]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        for name in ("cards/report-D01", "cards/report-D02", "cards/profile-D02", "cards/pledge-D01",
                     "certificates/D01", "registration"):
            page.goto((out / f"{name}.html").as_uri())
            pdfs[name] = page.pdf(prefer_css_page_size=True)
        page.goto((out / "cards/report-D01.html").as_uri())
        box = page.locator("svg.qr").first.bounding_box()
        sizes["qr"] = (box["width"], box["height"])
        browser.close()
    return pdfs, sizes


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
    boxes = re.findall(rb"/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]", pdfs["registration"])
    assert boxes and all(abs(float(w) - 595.3) < 2 and abs(float(h) - 841.9) < 2 for w, h in boxes)  # A4 in points


def test_qr_code_is_drawn_at_print_size(printed):
    _, sizes = printed
    width, height = sizes["qr"]
    assert width == height and 100 <= width <= 130  # 30 mm at 96 px per inch is 113 px
