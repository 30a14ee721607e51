"""Filling in the app's four forms as a member would: by their Chinese labels."""

from __future__ import annotations

from . import helpers

CARD = "D03-0042"


def saved(page) -> str:
    """Waits for the form's status message and returns it."""
    status = page.locator(".form-status").first
    helpers.poll(lambda: status.inner_text().strip(), 20, what="a status message")
    return status.inner_text()


def fill_card_if_empty(page, selector: str) -> None:
    """The remembered card fills in asynchronously: wait until the form is ready, then type it if missing."""
    page.locator("form[data-ready=true]").wait_for()
    if not page.locator(selector).input_value():
        page.locator(selector).fill(CARD)


def register(page, base_url, card=CARD, community="yangguang"):
    page.goto(f"{base_url}register/?card={card}")
    page.locator("#reg-name").fill("王建华")
    page.locator("#reg-branch").fill("区教育局机关第一党支部")
    page.locator("#reg-community").select_option(community)
    page.get_by_label("居住地社区").check()
    page.get_by_label("政策宣传", exact=True).check()
    page.get_by_label("同意在网站“光荣榜”上公开我的姓名、单位和事迹").check()
    page.get_by_role("button", name="保存报到登记").click()
    assert "已保存" in saved(page)


def claim(page, base_url, community="yangguang"):
    page.goto(f"{base_url}claim/")
    page.locator("#claim-community").select_option(community)
    first_post = page.locator("input[name=posts]").first
    first_post.check()
    page.get_by_label("宣传员", exact=True).check()
    page.locator("#claim-pledge").fill("每月参加党员活动日，帮扶一户困难家庭。")
    page.get_by_role("button", name="保存认领与承诺").click()
    assert "已保存" in saved(page)
    return first_post.get_attribute("value")


def checkin(page, base_url, activity: str, code="482913"):
    page.goto(f"{base_url}checkin/?a={activity}&c={code}")
    helpers.poll(lambda: page.locator("#checkin-activity").input_value() == activity, 20, what="the activity pre-filled")
    fill_card_if_empty(page, "#checkin-card")
    page.get_by_role("button", name="签到", exact=True).click()
    assert "签到成功" in saved(page)


def diary(page, base_url):
    page.goto(f"{base_url}diary/")
    fill_card_if_empty(page, "#diary-card")
    page.locator("#diary-community").select_option("yangguang")
    page.locator("#diary-topic").fill("小区路灯损坏")
    page.locator("#diary-text").fill("3号楼前两盏路灯不亮，晚上老人出行不便。")
    page.locator("#diary-action").fill("拍照报给社区物业。")
    page.get_by_role("button", name="保存民情日记").click()
    assert "已保存" in saved(page)


def fill_all(page, base_url, activity: str) -> None:
    register(page, base_url)
    claim(page, base_url)
    checkin(page, base_url, activity)
    diary(page, base_url)
