"""axe-core finds no serious or critical violation on every kind of page (public site and app), with the
app's dynamic parts shown: posts listed, an open check-in, records, an inline validation error."""

from __future__ import annotations

import json

import pytest

from . import forms, helpers

pytestmark = pytest.mark.skipif(not helpers.AXE.is_file(), reason="axe-core missing: npm install --no-save axe-core@4.14.1")


def first_dir(site, folder: str, skip=("page", "tag", "community", "team", "category")) -> str:
    return sorted(p.parent.name for p in (site / folder).glob("*/index.html") if p.parent.name not in skip)[0]


def kinds(site) -> list[str]:
    return ["", "communities/", f"communities/{first_dir(site, 'communities')}/", "posts/",
            f"posts/{first_dir(site, 'posts')}/", "teams/", f"teams/{first_dir(site, 'teams')}/", "activities/",
            f"activities/{first_dir(site, 'activities')}/", "stories/", f"stories/{first_dir(site, 'stories')}/",
            "about/", "register/", "claim/", "checkin/", "diary/", "me/", "offline/", "404.html"]


def serious(page) -> list[str]:
    page.add_script_tag(path=str(helpers.AXE))
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_every_kind_of_page_has_no_serious_violation(page, base_url, site):
    found = {}
    for path in kinds(site):
        page.goto(base_url + path)
        problems = serious(page)
        if problems:
            found[path] = problems
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


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
    assert {k: v for k, v in found.items() if v} == {}
