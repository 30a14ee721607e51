"""Issue 11, the member's phone, tried as a member and a resident would on a 360×780 touch screen (zh-CN,
Beijing time, the device clock at helpers.DEVICE_NOW): a scan is never lost, an export counts only once the
member confirms it, numbers typed full-width, the first screen, long lists split, offline readability,
the diary's privacy check."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import sqlite3
import subprocess

import pytest

from site_builder.ledger import codes

from . import forms, helpers

NEW_ACTIVITY = "2026-12-15-xinhuodong"  # published after the phone last loaded the site
SCREEN = 780


@pytest.fixture
def phone(browser):
    context = helpers.new_context(browser, phone=True)
    yield context
    context.close()


@pytest.fixture
def page(phone):
    page = phone.new_page()
    page.set_default_timeout(30000)
    return page


def day(offset: int) -> str:
    return (helpers.DEVICE_NOW.date() + dt.timedelta(days=offset)).isoformat()


def activity_on(site, test, community: str | None = None) -> dict:
    found = [a for a in helpers.catalogue(site)["activities"] if test(a["date"]) and a["community"]
             and (community is None or a["community"] == community)]
    assert found, "the sample content has no activity for this test"
    return found[0]


def newer_catalogue(site) -> dict:
    """The catalogue a rebuild with one more activity would publish."""
    catalogue = helpers.catalogue(site)
    catalogue["activities"].append({"id": NEW_ACTIVITY, "title": "新发布的活动：冬季送温暖", "date": day(0),
                                    "start": "09:00", "end": "11:00", "place": "新社区广场", "category": "FK",
                                    "occasion": "其他", "community": "taidong", "team": None, "hours": 2})
    return catalogue


def submit_checkin(page) -> None:
    page.get_by_role("button", name="签到", exact=True).click()


# ---- 1. a scan is never lost ----------------------------------------------------------------------

def test_a_scan_for_an_activity_unknown_to_the_phone_is_saved_offline_exported_and_verified(phone, page, base_url,
                                                                                           site, tmp_path):
    """The scan is saved offline with the QR's activity and code; the exported file goes through ingest,
    which knows the activity by then (the content was rebuilt) and verifies the code: 'verified'."""
    key = (helpers.ROOT / "sample" / "checkin.key").read_bytes()
    code = codes.code_for(key, NEW_ACTIVITY)
    forms.register(page, base_url)  # the member's community: yangguang
    helpers.wait_controlled(page)
    helpers.go_offline(phone, page)
    response = page.goto(f"{base_url}checkin/?a={NEW_ACTIVITY}&c={code}")
    assert response.from_service_worker
    notice = page.locator("[data-unknown-activity]")
    notice.wait_for(state="visible")
    assert f"二维码中的活动（编号 {NEW_ACTIVITY}）不在本手机保存的活动目录中" in notice.inner_text()
    assert "您仍然可以签到" in notice.inner_text()
    assert page.locator("#checkin-community").input_value() == "yangguang"  # kept as it was
    assert page.locator("#checkin-activity").input_value() == NEW_ACTIVITY
    assert page.locator("[data-refresh-catalogue]").is_hidden()  # offline: nothing to fetch yet
    assert "联网后" in page.locator("[data-refresh-offline]").inner_text()
    submit_checkin(page)
    message = forms.saved(page)
    assert "签到成功" in message and "社区收到记录后会核对" in message
    record = [r["record"] for r in helpers.stored(page) if r["type"] == "checkin"][0]
    assert record["activity"] == NEW_ACTIVITY and record["code"] == code and record["card"] == forms.CARD
    page.goto(base_url + "me/")
    item = page.locator("[data-records] li", has_text=NEW_ACTIVITY)
    item.wait_for()
    assert "本机活动目录中没有这个活动，社区将核对" in item.inner_text()
    with page.expect_download() as info:
        page.locator("[data-export]").click()
    info.value.save_as(tmp_path / "export.json")
    exported = json.loads((tmp_path / "export.json").read_text(encoding="utf-8"))
    assert {"activity": NEW_ACTIVITY, "code": code}.items() <= [r for r in exported["records"] if r["type"] == "checkin"][0].items()

    content = tmp_path / "content"  # the district's content by the time the file comes back: it has the activity
    shutil.copytree(site.parent / "content", content)
    (content / "activities" / "zz-new.yaml").write_text(NEW_ACTIVITY_YAML, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "checkin.key").write_bytes(key)
    result = subprocess.run(helpers.SITE_BUILDER + ["ingest", str(tmp_path / "export.json"), "--content", str(content),
                                                    "--data", str(data)], capture_output=True, text=True)
    assert result.returncode in (0, 2) and "Traceback" not in result.stderr, result.stdout + result.stderr
    with sqlite3.connect(data / "records.sqlite") as db:
        assert db.execute("SELECT activity, verification FROM checkins").fetchall() == [(NEW_ACTIVITY, "verified")]


NEW_ACTIVITY_YAML = f"""
- id: {NEW_ACTIVITY}
  title: 新发布的活动：冬季送温暖
  date: {helpers.DEVICE_NOW.date().isoformat()}
  start: "09:00"
  end: "11:00"
  place: 邰东社区党群服务中心
  category: FK
  occasion: 其他
  organiser: 邰东社区党委
  community: taidong
"""


@pytest.fixture(scope="module")
def own_site(tmp_path_factory):
    """A site of this module's own, rebuilt by a test with one more activity, served on its own port."""
    root = tmp_path_factory.mktemp("phone")
    content = helpers.copy_content(root)
    out = root / "site"
    helpers.build_site(content, out)
    server = helpers.serve(out, root / "http.log")
    yield content, out, server.url
    server.stop()


def test_the_newer_catalogue_is_fetched_past_the_service_worker_when_online(phone, page, own_site):
    content, out, url = own_site
    page.goto(url)
    helpers.wait_controlled(page)  # the phone keeps this version's catalogue
    activities = sorted((content / "activities").glob("*.yaml"))[-1]
    activities.write_text(activities.read_text(encoding="utf-8") + NEW_ACTIVITY_YAML, encoding="utf-8")
    helpers.build_site(content, out)  # the district publishes a new activity
    page.goto(f"{url}checkin/?a={NEW_ACTIVITY}&c=123456")
    page.locator("[data-unknown-activity]").wait_for(state="visible")  # the phone's catalogue does not know it
    page.get_by_role("button", name="获取最新活动目录").click()
    helpers.poll(lambda: "找到了这个活动" in page.locator("[data-unknown-text]").inner_text(), 20, what="the newer catalogue")
    assert "冬季送温暖" in page.locator("#checkin-activity option:checked").inner_text()
    assert page.locator("#checkin-community").input_value() == "taidong"
    # Kept: offline, the phone knows the new activity from now on.
    helpers.go_offline(phone, page)
    page.goto(f"{url}checkin/?a={NEW_ACTIVITY}&c=123456")
    helpers.poll(lambda: page.locator("#checkin-activity").input_value() == NEW_ACTIVITY, 20, what="pre-filled")
    assert page.locator("[data-unknown-activity]").is_hidden()
    forms.fill_card_if_empty(page, "#checkin-card")
    submit_checkin(page)
    message = forms.saved(page)
    assert "签到成功" in message and "核对" not in message  # on its day, a known activity


def at(page, iso_day: str) -> None:
    """The phone's clock moved to 10:00 (Beijing time) on that day."""
    page.clock.set_system_time(dt.datetime.fromisoformat(iso_day + "T10:00:00+08:00"))


def test_a_checkin_more_than_a_day_early_is_refused_and_another_day_is_flagged(page, base_url, site):
    early = activity_on(site, lambda d: d == day(0), "yangguang")
    at(page, (dt.date.fromisoformat(early["date"]) - dt.timedelta(days=2)).isoformat())
    page.goto(f"{base_url}checkin/?a={early['id']}&c=123456")
    forms.fill_card_if_empty(page, "#checkin-card")
    error = page.locator("#checkin-activity-error")
    helpers.poll(lambda: "最早可在活动前一天签到" in error.inner_text(), 20, what="the refusal shown on arrival")
    submit_checkin(page)
    assert "现在还不能签到" in error.inner_text()
    assert helpers.stored(page) == []

    at(page, (dt.date.fromisoformat(early["date"]) - dt.timedelta(days=1)).isoformat())  # the day before: allowed
    page.reload()
    helpers.poll(lambda: page.locator("#checkin-activity").input_value() == early["id"], 20, what="pre-filled")
    assert page.locator("#checkin-activity-error").inner_text() == ""
    late = activity_on(site, lambda d: day(-3) <= d < day(0))
    at(page, day(0))
    page.goto(f"{base_url}checkin/?a={late['id']}&c=123456")
    helpers.poll(lambda: page.locator("#checkin-activity").input_value() == late["id"], 20, what="pre-filled")
    forms.fill_card_if_empty(page, "#checkin-card")
    submit_checkin(page)
    message = forms.saved(page)
    assert "签到成功" in message and "签到日期与活动日期不同，组织者将核对" in message
    assert len(helpers.stored(page)) == 1
    page.goto(base_url + "me/")
    helpers.poll(lambda: "签到日期与活动日期不同，组织者将核对" in page.locator("[data-records]").inner_text(), 20,
                 what="the flag on 我的记录")


def test_the_activity_list_offers_what_can_be_checked_in_to_now(page, base_url, site):
    forms.register(page, base_url)
    page.goto(base_url + "checkin/")
    page.locator("form[data-ready=true]").wait_for()
    labels = page.locator("#checkin-activity optgroup").evaluate_all("gs => gs.map(g => g.label)")
    assert labels and set(labels) <= {"今天", "明天", "最近几天（补签，组织者将核对）"}
    options = page.locator("#checkin-activity option").evaluate_all("os => os.map(o => o.textContent)")
    assert any(o.startswith("2026年12月15日") for o in options)  # cn_date, as on the site


# ---- 2. export counts only when confirmed -------------------------------------------------------------

def age_records(page) -> None:
    page.evaluate("""async () => {
      const db = await new Promise(ok => { const r = indexedDB.open('sansong'); r.onsuccess = () => ok(r.result); });
      const tx = db.transaction('records', 'readwrite');
      const store = tx.objectStore('records');
      const rows = await new Promise(ok => { const r = store.getAll(); r.onsuccess = () => ok(r.result); });
      for (const row of rows) { row.created_at = '2026-12-01T08:00:00+08:00'; store.put(row); }
      await new Promise(ok => { tx.oncomplete = ok; });
    }""")


def test_an_export_whose_download_was_refused_stays_unexported(browser, base_url):
    context = helpers.new_context(browser, phone=True, accept_downloads=False)
    try:
        page = context.new_page()
        forms.diary(page, base_url)
        age_records(page)
        page.goto(base_url + "me/")
        reminder = page.locator("[data-reminder]")
        reminder.wait_for(state="visible")
        helpers.poll(lambda: page.locator("[data-export]").is_enabled(), 20, what="the export button")
        page.locator("[data-export]").click()
        question = page.get_by_text("文件已保存到手机了吗？")
        question.wait_for()
        assert page.evaluate("document.activeElement.id") == "confirm-question"
        assert not any(r["exported_at"] for r in helpers.stored(page))
        page.get_by_role("button", name="没有找到文件").click()
        status = page.locator("[data-export-status]").inner_text()
        assert "记录仍是“未导出”" in status and "再点“导出全部记录”" in status
        assert not any(r["exported_at"] for r in helpers.stored(page))
        assert reminder.is_visible() and "还没有导出" in reminder.inner_text()
        page.reload()
        reminder.wait_for(state="visible")
        assert "未导出 1 条" in page.locator("[data-export-summary]").inner_text()
        assert "尚未导出过" in page.locator("[data-export-summary]").inner_text()
        assert page.locator("[data-records] li[data-exported=false]").count() == 1
    finally:
        context.close()


def test_a_share_that_succeeds_marks_the_records_exported_and_one_cancelled_does_not(phone, page, base_url):
    phone.add_init_script("""
      navigator.canShare = () => true;
      navigator.share = () => window.__shareAnswer === 'ok' ? Promise.resolve() : Promise.reject(new DOMException('cancel', 'AbortError'));
    """)
    forms.diary(page, base_url)
    page.goto(base_url + "me/")
    helpers.poll(lambda: page.locator("[data-export]").is_enabled(), 20, what="the export button")
    with page.expect_download():
        page.locator("[data-export]").click()
    share = page.get_by_role("button", name="发送到微信等")
    share.wait_for()
    share.click()
    helpers.poll(lambda: "没有完成分享" in page.locator("[data-export-status]").inner_text(), 20, what="a cancelled share")
    assert not any(r["exported_at"] for r in helpers.stored(page))
    page.evaluate("window.__shareAnswer = 'ok'")
    share.click()
    helpers.poll(lambda: all(r["exported_at"] for r in helpers.stored(page)), 20, what="records marked exported")
    # the page says so once it has read the records back (a loaded machine can be a moment behind)
    helpers.poll(lambda: "已通过分享发送" in page.locator("[data-export-status]").inner_text(), 20,
                 what="the share reported as sent")
    assert page.locator("[data-confirm]").is_hidden()


def test_wechat_users_are_told_how_to_get_the_file_out(browser, base_url):
    agent = ("Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0 "
             "Mobile Safari/537.36 XWEB/1160065 MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64")
    context = helpers.new_context(browser, phone=True, user_agent=agent)
    try:
        page = context.new_page()
        page.goto(base_url + "me/")
        tip = page.locator("[data-wechat-export]")
        tip.wait_for(state="visible")
        assert "右上角“···”" in tip.inner_text() and "在浏览器中打开" in tip.inner_text()
        page.goto(base_url + "register/")
        page.locator("[data-wechat]").wait_for(state="visible")
    finally:
        context.close()
    page = None
    context = helpers.new_context(browser, phone=True)
    try:
        page = context.new_page()
        page.goto(base_url + "me/")
        page.locator("form[data-ready], [data-export-summary]").first.wait_for()
        helpers.poll(lambda: "本机共有记录" in page.locator("[data-export-summary]").inner_text(), 20, what="the summary")
        assert page.locator("[data-wechat-export]").is_hidden()
    finally:
        context.close()


# ---- 3. numbers typed full-width ---------------------------------------------------------------------

@pytest.mark.parametrize("typed", ["Ｄ０３－００４２", "D03－0042", "ｄ03 － 0042"])
def test_card_numbers_typed_full_width_are_accepted(page, base_url, typed):
    page.goto(f"{base_url}register/")
    page.locator("form[data-ready=true]").wait_for()
    page.locator("#reg-card").fill(typed)
    page.locator("#reg-name").fill("王建华")
    page.locator("#reg-branch").fill("区教育局机关第一党支部")
    page.locator("#reg-community").select_option("yangguang")
    page.locator("#reg-phone").fill("１３９－１２３４－５６７８")
    page.get_by_role("button", name="保存报到登记").click()
    assert "已保存" in forms.saved(page)
    record = helpers.stored(page)[0]["record"]
    assert record["card"] == "D03-0042" and record["department"] == "D03"
    assert record["phone"] == "139-1234-5678"


def test_a_code_typed_full_width_is_accepted(page, base_url, site):
    activity = activity_on(site, lambda d: d == day(0), "yangguang")
    page.goto(f"{base_url}checkin/?a={activity['id']}")
    forms.fill_card_if_empty(page, "#checkin-card")
    page.locator("#checkin-code").fill("４８２ ９１３")
    submit_checkin(page)
    assert "签到成功" in forms.saved(page)
    assert helpers.stored(page)[0]["record"]["code"] == "482913"


# ---- 4. the first screen --------------------------------------------------------------------------

def test_members_actions_are_on_the_first_screen_and_the_navigation_is_one_row(page, base_url):
    page.goto(base_url)
    for name in ("报到", "签到", "我的记录"):
        box = page.locator("main").get_by_role("link", name=re.compile(f"^{name}")).first.bounding_box()
        assert box and box["y"] + box["height"] <= SCREEN, f"{name} below the first screen: {box}"
    assert page.locator("#home-q").bounding_box()["y"] < SCREEN  # residents' search too
    for path in ("", "activities/", "posts/", "me/", "stories/"):
        page.goto(base_url + path)
        nav = page.locator(".site-nav > ul").bounding_box()
        assert nav["height"] <= 56, f"{path}: navigation of {nav['height']} px"
        checkin = page.locator(".site-nav").get_by_role("link", name="签到", exact=True)
        assert checkin.is_visible() and checkin.bounding_box()["x"] + checkin.bounding_box()["width"] <= 360
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    page.locator(".nav-more summary").click()
    page.locator(".nav-more").get_by_role("link", name="光荣榜").click()
    page.wait_for_url(base_url + "honour/")


# ---- 5. long lists split ----------------------------------------------------------------------------

def page_height(page) -> float:
    return page.evaluate("document.documentElement.scrollHeight")


def test_long_lists_are_split_and_filterable(page, base_url, site):
    page.goto(base_url + "activities/")
    assert page_height(page) < 12000  # was ≈ 44,000 px with every activity of the year
    catalogue = helpers.catalogue(site)
    listed = page.locator("main .events li").count()
    assert 0 < listed < len(catalogue["activities"]) / 3
    page.get_by_text("按社区、服务队查看").click()
    page.locator(".calendar-nav").get_by_role("link", name="阳光社区").click()
    page.wait_for_url(base_url + "activities/community/yangguang/")
    own = [a for a in catalogue["activities"] if a["community"] == "yangguang"]
    assert page.locator("main .events li").count() == len(own)
    page.locator(".calendar-nav").get_by_role("link", name="已开展").click()
    page.wait_for_url(base_url + "activities/past/")
    assert page.locator("main .events li.past").count() == 10
    page.locator(".month-list a").first.click()
    assert re.search(r"/activities/month/\d{4}-\d{2}/$", page.url)

    page.goto(base_url + "posts/")
    assert page_height(page) < 6000  # was ≈ 38,700 px with all 190 posts
    page.locator(".community-index a").first.click()
    assert "/posts/community/" in page.url
    page.locator("[data-filter-search-row]").wait_for()  # the filter's script is running
    cards = page.locator("[data-filter-items] > li:visible")
    total = cards.count()
    category = page.locator("[data-filter-items] > li").first.get_attribute("data-category")
    page.locator(f"a[data-filter-category={category}]").click()
    assert 0 < cards.count() <= total and "/posts/community/" in page.url  # filtered in place, no navigation
    assert page.get_by_role("link", name=re.compile("^下一个：")).first.is_visible()

    page.goto(base_url + "honour/")
    assert page.locator("h1").inner_text() == "光荣榜"


# ---- 7. offline --------------------------------------------------------------------------------------

def test_pages_a_resident_visited_stay_readable_offline(phone, page, base_url, site):
    stories = sorted(p.parent.name for p in (site / "stories").glob("*/index.html") if p.parent.name != "page")
    story = f"{base_url}stories/{stories[0]}/"
    page.goto(story)  # the very first page: read before the service worker controlled anything
    title = page.locator("h1").inner_text()
    helpers.wait_controlled(page)
    past = activity_on(site, lambda d: d < helpers.TODAY)
    visited = [f"{base_url}honour/", f"{base_url}activities/past/", f"{base_url}activities/{past['id']}/",
               f"{base_url}stories/", f"{base_url}search/?q=报到"]
    titles = {}
    for url in visited:
        page.goto(url)
        titles[url] = page.locator("h1").inner_text()
    helpers.poll(lambda: page.evaluate("(u) => caches.match(u).then(Boolean)", story), 20, what="the first page kept")
    helpers.go_offline(phone, page)
    for url, heading in [(story, title), *titles.items()]:
        response = page.goto(url)
        assert response.from_service_worker, url
        assert page.locator("h1").inner_text() == heading, url


def test_ics_downloads_offline_or_the_link_says_why(phone, page, base_url, site):
    page.goto(base_url)
    helpers.wait_controlled(page)
    coming = activity_on(site, lambda d: d >= helpers.TODAY)
    gone = activity_on(site, lambda d: d < helpers.TODAY)
    page.goto(f"{base_url}activities/{gone['id']}/")  # visited, but its calendar file never downloaded
    helpers.go_offline(phone, page)
    page.goto(f"{base_url}activities/{coming['id']}/")
    with page.expect_download() as info:
        page.get_by_role("link", name="添加到日历").click()
    path = info.value.path()
    assert path and open(path, encoding="utf-8").read().startswith("BEGIN:VCALENDAR")
    page.goto(f"{base_url}activities/{gone['id']}/")
    page.get_by_role("link", name="添加到日历").click()
    note = page.locator("[data-offline-note]")
    helpers.poll(lambda: "还没有保存在本手机上" in note.inner_text(), 20, what="the reason shown")
    assert page.url.endswith(f"/activities/{gone['id']}/")


def test_the_offline_page_does_not_promise_automatic_sending(phone, page, base_url, site):
    page.goto(base_url)
    helpers.wait_controlled(page)
    helpers.go_offline(phone, page)
    page.goto(base_url + "no-such-page/")
    text = page.locator("main").inner_text()
    assert "无法联网" in page.locator("h1").inner_text()
    assert "不会自动发送" in text and "导出" in text and "联网后无需重新填写" not in text


# ---- 8. the diary's privacy check --------------------------------------------------------------------

@pytest.mark.parametrize("number", ["139 1234 5678", "139-1234-5678", "１３９１２３４５６７８",
                                    "610403 19900101 123X", "610403 1990 0101 1234"])
def test_the_diary_refuses_personal_numbers_however_they_are_written(page, base_url, number):
    page.goto(f"{base_url}diary/")
    page.locator("#diary-card").fill(forms.CARD)
    page.locator("#diary-community").select_option("yangguang")
    page.locator("#diary-topic").fill("低保申请")
    page.locator("#diary-text").fill(f"住户说可以联系{number}，需要帮助。")
    page.get_by_role("button", name="保存民情日记").click()
    error = page.locator("#diary-text-error").inner_text()
    assert "手机号码" in error or "身份证号码" in error
    assert helpers.stored(page) == []
