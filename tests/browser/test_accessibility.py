"""axe-core finds no serious or critical violation on every kind of page (public site and app), with the
app's dynamic parts shown: posts listed, an open check-in, records, an inline validation error."""

from __future__ import annotations

import json

import pytest

from . import forms, helpers

pytestmark = pytest.mark.skipif(not helpers.AXE.is_file(), reason="axe-core missing: npm install --no-save axe-core@4.14.1")


@pytest.fixture
def page(browser):
    """Service workers blocked: what axe sees does not depend on them, and no precache competes for the CPU."""
    context = helpers.new_context(browser, service_workers="block")
    yield context.new_page()
    context.close()


def first_dir(site, folder: str, skip=("page", "tag", "community", "team", "category")) -> str:
    return sorted(p.parent.name for p in (site / folder).glob("*/index.html") if p.parent.name not in skip)[0]


# One page of every kind; "<first:folder>" is the first page found under that folder of the built site.
KINDS = ["", "communities/", "<first:communities>", "posts/", "posts/community/yangguang/", "posts/category/ZC/",
         "<first:posts>", "teams/", "<first:teams>", "activities/", "activities/past/", "<first:activities/month>",
         "activities/community/yangguang/", "<first:activities>", "stories/", "<first:stories>", "honour/", "about/",
         "search/", "register/", "claim/", "checkin/", "diary/", "me/", "offline/", "404.html"]


def resolve(site, kind: str) -> str:
    if kind.startswith("<first:"):
        folder = kind[len("<first:"):-1]
        return f"{folder}/{first_dir(site, folder)}/"
    return kind


def serious(page) -> list[str]:
    page.add_script_tag(path=str(helpers.AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_page_has_no_serious_violation(page, base_url, site, kind):
    path = resolve(site, kind)
    page.goto(base_url + path)
    assert serious(page) == [], path


def test_app_pages_with_their_dynamic_parts_have_no_serious_violation(page, base_url, site):
    catalogue = json.loads((site / "app" / "catalogue.json").read_text(encoding="utf-8"))
    activity = catalogue["activities"][0]["id"]
    forms.register(page, base_url)
    forms.checkin(page, base_url, activity)
    found = {}
    page.goto(base_url + "checkin/")
    page.locator("[data-open-checkins]").wait_for(state="visible")
    found["checkin (open)"] = serious(page)
    page.goto(base_url + "claim/")
    page.locator("#claim-community").select_option("yangguang")
    page.get_by_role("button", name="保存认领与承诺").click()
    page.locator("#claim-posts-error").wait_for(state="visible")
    found["claim (errors)"] = serious(page)
    page.goto(base_url + "me/")
    page.locator("[data-records] li").first.wait_for()
    found["me (records)"] = serious(page)
    page.locator("[data-export]").click()
    page.locator("[data-confirm]").wait_for(state="visible")
    found["me (confirm the export)"] = serious(page)
    page.goto(base_url + "checkin/?a=2026-12-31-unknown&c=123456")
    page.locator("[data-unknown-activity]").wait_for(state="visible")
    found["checkin (activity unknown to the phone)"] = serious(page)
    page.set_viewport_size({"width": 360, "height": 780})  # a phone: the menu 更多 holds the rest
    page.locator(".nav-more summary").click()
    found["menu 更多 open"] = serious(page)
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("path", ["", "activities/", "posts/", "posts/community/yangguang/", "honour/", "me/"])
def test_pages_on_a_phone_have_no_serious_violation(browser, base_url, path):
    context = helpers.new_context(browser, phone=True, service_workers="block")
    try:
        page = context.new_page()
        page.goto(base_url + path)
        assert serious(page) == [], path
    finally:
        context.close()
