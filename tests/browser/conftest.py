"""Browser tests of the offline app: the sample site built once per session (--today 2026-11-28) and served
by python -m http.server on 127.0.0.1; Debian's Chromium driven by Playwright; a fresh context per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import helpers

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("sample")
    content = helpers.copy_content(root)
    out = root / "site"
    helpers.build_site(content, out)
    return out


@pytest.fixture(scope="session")
def server(site, tmp_path_factory):
    running = helpers.serve(site, tmp_path_factory.mktemp("log") / "http.log")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def base_url(server) -> str:
    return server.url


# Package scope, not session: a running sync Playwright keeps an asyncio loop set on the thread, which
# breaks other tests' asyncio.run() and sync_playwright() in the same xdist worker; pytest stops it as
# soon as the worker leaves tests/browser/.
@pytest.fixture(scope="package")
def playwright():
    with playwright_api.sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=helpers.CHROMIUM, args=helpers.CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser):
    context = helpers.new_context(browser)  # the device clock at helpers.DEVICE_NOW
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(30000)
    return page
