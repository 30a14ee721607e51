"""Live preview under `site-builder serve` in real Chromium: an open page reloads only once the rebuild has
finished, so it shows every edit (never the one before), the error page when the content breaks, and the
page again when it is fixed. Each step waits on what the page shows, never on a fixed sleep."""

from __future__ import annotations


import pytest

from . import helpers
from .test_serve_dev_loop import free_port, start, stop

STORY = "2026-03-wudianban-ketang"


@pytest.fixture
def served(browser, tmp_path):
    """`site-builder serve` on a copy of the content and a page in Chromium: (content, origin, context, page,
    the story to edit, its text). Stopped afterwards."""
    content = helpers.copy_content(tmp_path)
    port = free_port()
    origin = f"http://127.0.0.1:{port}/"
    log = (tmp_path / "serve.log").open("wb")
    dev = start(helpers.SITE_BUILDER + ["serve", "--content", str(content), "--port", str(port),
                                        "--today", helpers.TODAY], origin, log)
    context = browser.new_context()
    page = context.new_page()
    story = content / "stories" / f"{STORY}.md"
    original = story.read_text(encoding="utf-8")
    try:
        yield content, origin, context, page, story, original
    finally:
        context.close()
        stop(dev)
        log.close()
    # a page closed or reloaded while a reload message was on its way is not an error (serve.quiet_closed_pages)
    assert "Traceback" not in (tmp_path / "serve.log").read_text(encoding="utf-8", errors="replace")


def test_edit_break_fix_each_shows_after_its_rebuild(served):
    content, origin, context, page, story, original = served
    page.goto(f"{origin}stories/{STORY}/")
    _wait_connected(page)

    # Several edits in a row. A reload that came before its rebuild ended would show the page as it
    # was, and nothing would reload it again: the new sentence would never appear.
    for n in (1, 2, 3):
        before = _document(page)
        story.write_text(original.replace("\n\n", f"\n\n第{n}次修改的句子。", 1), encoding="utf-8")
        helpers.poll(lambda b=before: _document(page) not in (b, None), timeout=60, what=f"a reload after edit {n}")
        helpers.poll(lambda n=n: f"第{n}次修改的句子" in _main(page), timeout=30, what=f"edit {n} on the page")
        _wait_connected(page)

    before = _document(page)
    site_yaml = content / "site.yaml"
    good = site_yaml.read_text(encoding="utf-8")
    site_yaml.write_text(good.replace("year: 2026", "year: [2026", 1), encoding="utf-8")  # a YAML syntax error
    helpers.poll(lambda: _document(page) not in (before, None), timeout=60, what="a reload after the break")
    helpers.poll(lambda: page.title() == "构建失败", timeout=30, what="the error page")
    shown = page.inner_text("body")
    assert "site.yaml:" in shown and "YAML 语法错误" in shown, shown
    _wait_connected(page)  # the error page is live too

    before = _document(page)
    site_yaml.write_text(good, encoding="utf-8")
    helpers.poll(lambda: _document(page) not in (before, None), timeout=60, what="a reload after the fix")
    helpers.poll(lambda: "第3次修改的句子" in _main(page), timeout=30, what="the page again after the fix")
    assert page.title() != "构建失败"


def test_a_page_that_missed_the_reload_message_catches_up(served):
    """The page reloaded by edit 1 is still starting (livereload.js not yet connected) when edit 2's
    rebuild ends: the reload message for edit 2 reaches nobody. The page must still show edit 2."""
    content, origin, context, page, story, original = served
    held = []
    page.goto(f"{origin}stories/{STORY}/")
    _wait_connected(page)
    context.route("**/livereload.js*", lambda route: held.append(route))  # the next document's client waits

    before = _document(page)
    story.write_text(original.replace("\n\n", "\n\n第一次修改。", 1), encoding="utf-8")
    helpers.poll(lambda: _document(page) not in (before, None) and held, timeout=60,
                 what="the reload after edit 1, its livereload.js held back")
    story.write_text(original.replace("\n\n", "\n\n第二次修改。", 1), encoding="utf-8")
    helpers.poll(lambda: "第二次修改" in _fetch(f"{origin}stories/{STORY}/"), timeout=60, what="edit 2 built")
    for route in held:
        route.continue_()
    context.unroute("**/livereload.js*")
    helpers.poll(lambda: "第二次修改" in _main(page), timeout=30, what="edit 2 on the page")


def _fetch(url: str) -> str:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def _document(page) -> float | None:
    """When the document shown was created (a reload makes a new one); None between two documents."""
    try:
        return page.evaluate("document.readyState !== 'loading' ? performance.timeOrigin : null")
    except Exception:
        return None


def _main(page) -> str:
    try:
        return page.inner_text("main", timeout=2000)
    except Exception:  # between two documents, or the error page (which has no <main>)
        return ""


def _wait_connected(page) -> None:
    """livereload.js on this document has shaken hands with the server (the next reload can reach it)."""
    helpers.poll(lambda: page.evaluate("!!(window.LiveReload && window.LiveReload.connector"
                                       " && window.LiveReload.connector.protocol)"),
                 timeout=20, what="livereload.js connected")
