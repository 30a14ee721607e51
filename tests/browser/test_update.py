"""A service-worker update to a new build: the new worker waits, the page offers "有新版本", the update is
applied when the member agrees (never under a half-filled form), and every record is still there."""

from __future__ import annotations

import pytest

from . import forms, helpers

VERSION = """() => new Promise((ok) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = (e) => ok(e.data);
  navigator.serviceWorker.controller.postMessage({type: 'GET_VERSION'}, [channel.port2]);
})"""


@pytest.fixture(scope="module")
def own_site(tmp_path_factory):
    """A site of this module's own (each test rebuilds it with a change), served on its own port."""
    root = tmp_path_factory.mktemp("update")
    content = helpers.copy_content(root)
    out = root / "site"
    helpers.build_site(content, out)
    server = helpers.serve(out, root / "http.log")
    yield content, out, server.url
    server.stop()


def rebuild_changed(content, out) -> None:
    """Changes site.yaml's description (on every page) and rebuilds into the served folder."""
    site_yaml = content / "site.yaml"
    text = site_yaml.read_text(encoding="utf-8")
    site_yaml.write_text(text.replace("description: ", "description: 新版本测试。", 1), encoding="utf-8")
    helpers.build_site(content, out)


def wait_update_offered(page) -> None:
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    helpers.poll(lambda: page.evaluate("document.documentElement.dataset.update === 'waiting'"), 60,
                 what="the page offering the waiting worker")


def test_update_waits_for_the_member_and_keeps_every_record(page, own_site):
    content, out, base_url = own_site
    page.goto(base_url)
    helpers.wait_controlled(page)
    forms.register(page, base_url)
    forms.diary(page, base_url)
    ids = sorted(r["id"] for r in helpers.stored(page))
    old_version = page.evaluate(VERSION)
    before = page.evaluate("fetch('/').then(r => r.text())").count("新版本测试")

    rebuild_changed(content, out)
    page.goto(base_url + "me/")
    wait_update_offered(page)
    assert page.evaluate(VERSION) == old_version, "the new worker must wait for the member"
    banner = page.locator(".update-banner")
    assert "有新版本" in banner.inner_text()

    with page.expect_navigation():
        banner.get_by_role("button", name="更新").click()
    helpers.wait_controlled(page)
    helpers.poll(lambda: page.evaluate(VERSION) != old_version, 20, what="the new worker in control")
    home = page.evaluate("fetch('/').then(r => r.text())")
    assert home.count("新版本测试") > before
    assert sorted(r["id"] for r in helpers.stored(page)) == ids
    helpers.poll(lambda: page.locator("[data-records] li").count() == 2, 20, what="2 records listed")
    keys = page.evaluate("caches.keys()")
    assert len([k for k in keys if k.startswith("sansong-precache-")]) == 1


def test_update_never_reloads_a_half_filled_form(page, own_site):
    content, out, base_url = own_site
    page.goto(base_url + "diary/")
    helpers.wait_controlled(page)
    rebuild_changed(content, out)
    page.reload()
    page.locator("#diary-topic").fill("写到一半")
    wait_update_offered(page)
    page.locator(".update-banner").get_by_role("button", name="更新").click()
    assert "请先保存" in page.locator(".update-banner").inner_text()
    assert page.locator("#diary-topic").input_value() == "写到一半"
    assert page.evaluate("navigator.serviceWorker.getRegistration().then(r => !!r.waiting)")
