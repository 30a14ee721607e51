"""The four forms filled offline; records surviving a reload and a browser restart; the QR check-in link;
check-out; inline validation; a phone (Pixel 7); service workers blocked."""

from __future__ import annotations

import json
import re

import pytest

from . import forms, helpers


@pytest.fixture(scope="module")
def activity(site) -> str:
    """A yangguang activity of the programme year on the phone's day or before (helpers.DEVICE_NOW)."""
    catalogue = json.loads((site / "app" / "catalogue.json").read_text(encoding="utf-8"))
    year, day = str(catalogue["year"]), helpers.DEVICE_NOW.date().isoformat()
    return [a["id"] for a in catalogue["activities"]
            if a["community"] == "yangguang" and a["date"].startswith(year) and a["date"] <= day][-1]


def record_types(page) -> list[str]:
    return sorted(row["type"] for row in helpers.stored(page))


def test_four_forms_filled_offline_survive_a_reload(context, page, base_url, activity):
    page.goto(base_url)
    helpers.wait_controlled(page)
    helpers.go_offline(context, page)
    forms.fill_all(page, base_url, activity)
    page.reload()
    assert record_types(page) == ["checkin", "claim", "diary", "registration"]
    rows = {row["type"]: row["record"] for row in helpers.stored(page)}
    assert rows["registration"]["card"] == forms.CARD and rows["registration"]["department"] == "D03"
    assert rows["registration"]["consent"] == {"honour_roll": True, "stories": False}
    assert rows["checkin"]["activity"] == activity and rows["checkin"]["code"] == "482913"
    assert rows["checkin"]["checked_out_at"] is None
    assert {r["card"] for r in rows.values()} == {forms.CARD}
    assert all(r["schema"] == 1 and len(r["id"]) == 36 and r["created_at"].endswith("+08:00") for r in rows.values())
    meta = helpers.meta(page)
    assert meta["persist"]["asked_at"] and meta["profile"]["card"] == forms.CARD and meta["profile"]["name"] == "王建华"


def test_records_survive_a_browser_restart(playwright, base_url, activity, tmp_path):
    profile = tmp_path / "profile"

    def launch():
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=helpers.CHROMIUM, args=helpers.CHROMIUM_ARGS, timezone_id="Asia/Shanghai")
        helpers.install_clock(context)
        return context, context.pages[0] if context.pages else context.new_page()

    context, page = launch()
    page.goto(base_url)
    helpers.wait_controlled(page)
    helpers.go_offline(context, page)
    forms.register(page, base_url)
    forms.diary(page, base_url)
    ids = sorted(row["id"] for row in helpers.stored(page))
    context.close()

    context, page = launch()
    try:
        context.set_offline(True)
        response = page.goto(base_url + "me/")
        assert response.from_service_worker
        assert sorted(row["id"] for row in helpers.stored(page)) == ids
        helpers.poll(lambda: page.locator("[data-records] li").count() == 2, 20, what="2 records listed")
    finally:
        context.close()


def test_qr_link_prefills_the_checkin_form_and_card_is_remembered(page, base_url, activity):
    forms.register(page, base_url)
    page.goto(f"{base_url}checkin/?a={activity}&c=123456")
    helpers.poll(lambda: page.locator("#checkin-activity").input_value() == activity, 20, what="activity pre-filled")
    assert page.locator("#checkin-code").input_value() == "123456"
    assert page.locator("#checkin-card").input_value() == forms.CARD
    assert page.locator("#checkin-community").input_value() == "yangguang"


def test_register_link_prefills_the_card_and_guesses_the_department(page, base_url):
    page.goto(f"{base_url}register/?card=d07-0013")
    helpers.poll(lambda: page.locator("#reg-department").input_value() == "D07", 20, what="department guessed")
    assert page.locator("#reg-card").input_value() == "D07-0013"


def test_checkout_updates_an_unexported_checkin_in_place(page, base_url, activity):
    forms.checkin(page, base_url, activity)
    button = page.get_by_role("button", name="签退：", exact=False)
    button.click()
    helpers.poll(lambda: (helpers.stored(page)[0]["record"]["checked_out_at"] or None), 20, what="a check-out time")
    rows = helpers.stored(page)
    assert len(rows) == 1 and "replaces" not in rows[0]["record"]
    assert page.locator("[data-open-checkins]").is_hidden()


def test_checking_in_twice_to_one_activity_is_refused(page, base_url, activity):
    forms.checkin(page, base_url, activity)
    page.goto(f"{base_url}checkin/?a={activity}&c=482913")
    helpers.poll(lambda: page.locator("#checkin-activity").input_value() == activity, 20, what="activity pre-filled")
    page.get_by_role("button", name="签到", exact=True).click()
    helpers.poll(lambda: "已签到过" in page.locator("#checkin-activity-error").inner_text(), 20, what="refusal")
    assert len(helpers.stored(page)) == 1


def test_validation_messages_appear_inline_and_nothing_is_saved(page, base_url):
    page.goto(f"{base_url}register/")
    page.locator("#reg-card").fill("D3-42")
    page.get_by_role("button", name="保存报到登记").click()
    assert "格式如 D03-0042" in page.locator("#reg-card-error").inner_text()
    assert page.locator("#reg-card").get_attribute("aria-invalid") == "true"
    assert "请填写姓名" in page.locator("#reg-name-error").inner_text()
    assert page.evaluate("document.activeElement.id") == "reg-card"
    helpers.poll(lambda: "需要修改" in page.locator(".form-status").inner_text(), 20, what="summary")
    assert helpers.stored(page) == []


def test_diary_refuses_id_and_phone_numbers(page, base_url):
    page.goto(f"{base_url}diary/")
    page.locator("#diary-card").fill(forms.CARD)
    page.locator("#diary-community").select_option("yangguang")
    page.locator("#diary-topic").fill("低保申请")
    page.locator("#diary-text").fill("住户电话13912345678，需要帮助。")
    page.get_by_role("button", name="保存民情日记").click()
    assert "手机号码" in page.locator("#diary-text-error").inner_text()
    assert helpers.stored(page) == []


def test_claim_lists_only_the_chosen_communitys_posts(page, base_url, site):
    catalogue = json.loads((site / "app" / "catalogue.json").read_text(encoding="utf-8"))
    expected = sorted(p["code"] for p in catalogue["posts"] if p["community"] == "yangguang")
    page.goto(f"{base_url}claim/")
    page.locator("#claim-community").select_option("yangguang")
    values = helpers.poll(lambda: sorted(page.locator("input[name=posts]").evaluate_all("els => els.map(e => e.value)")),
                          10, what="the community's posts listed")
    assert values == expected
    page.locator("#claim-card").fill(forms.CARD)
    page.locator("#claim-pledge").fill("承诺")
    page.get_by_role("button", name="保存认领与承诺").click()
    assert "请至少认领一个岗位" in page.locator("#claim-posts-error").inner_text()


def test_forms_work_on_a_pixel_7(playwright, browser, base_url, activity):
    context = browser.new_context(**playwright.devices["Pixel 7"], service_workers="allow")
    helpers.install_clock(context)
    try:
        page = context.new_page()
        forms.fill_all(page, base_url, activity)
        assert record_types(page) == ["checkin", "claim", "diary", "registration"]
        size = page.get_by_role("button", name="保存民情日记").bounding_box()
        assert size["height"] >= 44
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()


def test_forms_and_records_work_with_service_workers_blocked(browser, base_url, activity):
    context = helpers.new_context(browser, service_workers="block")
    try:
        page = context.new_page()
        forms.fill_all(page, base_url, activity)
        assert page.evaluate("navigator.serviceWorker.controller") is None
        assert record_types(page) == ["checkin", "claim", "diary", "registration"]
        page.goto(base_url + "me/")
        helpers.poll(lambda: page.locator("[data-records] li").count() == 4, 20, what="4 records listed")
    finally:
        context.close()


def test_without_javascript_the_forms_read_well_and_say_they_need_it(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        for path, heading in (("register/", "报到登记"), ("claim/", "认领岗位与服务承诺"), ("checkin/", "签到签退"),
                              ("diary/", "民情日记"), ("me/", "我的记录")):
            page.goto(base_url + path)
            assert page.locator("h1").inner_text() == heading
            assert "JavaScript" in page.locator("main").inner_text(), path
        page.goto(base_url + "register/")
        assert page.get_by_label("报到卡编号").is_visible()
        assert page.get_by_role("button", name="保存报到登记").is_disabled()
    finally:
        context.close()


def test_record_ids_are_uuid4_where_crypto_random_uuid_is_missing(context, base_url):
    context.add_init_script("delete Crypto.prototype.randomUUID;")
    page = context.new_page()
    forms.diary(page, base_url)
    assert page.evaluate("typeof crypto.randomUUID") == "undefined"
    record_id = helpers.stored(page)[0]["id"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", record_id)


def test_links_from_post_and_community_pages_prefill_the_forms(page, base_url, site):
    catalogue = json.loads((site / "app" / "catalogue.json").read_text(encoding="utf-8"))
    post = [p for p in catalogue["posts"] if p["community"] != "yangguang"][0]
    page.goto(f"{base_url}claim/?post={post['code']}")
    page.locator(f"input[name=posts][value='{post['code']}']:checked").wait_for()
    assert page.locator("#claim-community").input_value() == post["community"]
    page.goto(f"{base_url}register/?community={post['community']}")
    page.locator("form[data-ready=true]").wait_for()
    assert page.locator("#reg-community").input_value() == post["community"]
