"""The catalogue's instant filter in real Chromium (Debian's /usr/bin/chromium, no download)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from site_builder import writer
from test_pages import FIGURES, build_outputs, sample_content

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def site_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("site") / "site"
    writer.write(folder, build_outputs(sample_content(), FIGURES)[1])
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_catalogue_filters_instantly_and_by_search(site_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page(service_workers="block")
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{site_url}/posts/community/yangguang/")  # a community's page holds all its posts
        visible = lambda: page.locator("[data-filter-items] > li:visible").count()  # noqa: E731
        assert visible() == 3
        page.click("a[data-filter-category=HJ]")
        assert page.url.endswith("/posts/community/yangguang/")  # filtered in place, no navigation
        assert visible() == 2 and "共2个岗位" in page.inner_text("[data-filter-count]")
        assert page.get_attribute("a[data-filter-category=HJ]", "aria-current") == "true"
        page.fill("[data-filter-search]", "垃圾分类")
        assert visible() == 1
        page.click("a[data-filter-category='']")
        page.fill("[data-filter-search]", "")
        assert visible() == 3
        page.goto(f"{site_url}/posts/category/HJ/")  # a category's page: its community chips filter in place
        page.get_by_text("按社区", exact=True).click()
        page.click("a[data-filter-community=yangguang]")
        assert page.url.endswith("/posts/category/HJ/") and visible() == 2
        page.click("a[data-filter-category=ZC]")  # the other dimension stays a plain link
        page.wait_for_url(f"{site_url}/posts/category/ZC/")
        page.goto(f"{site_url}/posts/")
        page.click("a[data-filter-category=HJ]")  # the overview holds no posts: chips are links
        page.wait_for_url(f"{site_url}/posts/category/HJ/")
        assert errors == []
        browser.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_figures_read_on_a_360_px_screen(site_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page(service_workers="block", viewport={"width": 360, "height": 780}, locale="zh-CN")
        page.goto(f"{site_url}/")
        cells = page.locator(".star-table th, .star-table td")
        assert cells.count() >= 4
        # every label and count on one line (no 未达星/级 or 不足5/人 wrap), and the table fits the screen
        wrapped = cells.evaluate_all("""els => els.filter(e => {
            const range = document.createRange(); range.selectNodeContents(e);
            return range.getClientRects().length > 1; }).map(e => e.textContent)""")
        assert wrapped == []
        assert page.evaluate("document.querySelector('.star-table').getBoundingClientRect().right <= 360")
        page.goto(f"{site_url}/posts/YG-HJ-01/")
        assert "可认领人数" in page.inner_text("main") and "已认领" not in page.inner_text("main")
        browser.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_search_finds_posts_and_stories_by_chinese_substring(site_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM))
        page = browser.new_page(service_workers="block")
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{site_url}/")
        page.fill("#home-q", "垃圾分类")
        page.press("#home-q", "Enter")
        page.wait_for_selector("[data-search-results] li")
        assert page.locator("[data-search-results] li").count() == 1
        assert "/posts/YG-HJ-02/" in page.locator("[data-search-results] a").first.get_attribute("href")
        page.goto(f"{site_url}/search/?q=典型案例 12")
        page.wait_for_selector("[data-search-results] li")
        assert page.locator("[data-search-results] li").count() == 1
        page.fill("#q", "没有这个词")
        page.press("#q", "Enter")
        page.wait_for_function("document.querySelector('[data-search-status]').textContent.includes('没有找到')")
        assert errors == []
        browser.close()
