"""The desk in a real browser: `site-builder desk` as a subprocess on 127.0.0.1 against a real SQLite ledger
(the small district of tests/fixtures/exports), driven by Debian's Chromium. Each action a secretary takes
is checked on the page and in the ledger itself."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess

import pytest

import exportkit

from site_builder.ledger import db

from . import helpers

TODAY = "2026-11-28"
ROSTER = exportkit.ROSTER + "D03-0003,赵三,D03,第一党支部\n"
WRONG_CODE = "000000" if exportkit.codes.code_for(exportkit.KEY, "2026-05-15-yangguang") != "000000" else "111111"


def _records() -> list[dict]:
    people = {"D03-0001": "王一", "D03-0002": "李二", "D03-0003": "赵三"}
    records = []
    for n, (card, name) in enumerate(people.items()):
        at = f"2026-04-2{n}T09:00:00+08:00"
        records.append(exportkit.record("registration", card, at, name=name))
        records.append(exportkit.record("claim", card, f"2026-04-2{n}T10:00:00+08:00", community="taidong",
                                        posts=["TD-BM-01"], pledge="每周代购一次"))
    for card in ("D03-0001", "D03-0002"):
        records.append(exportkit.record("checkin", card, code=WRONG_CODE))
    records.append(exportkit.record("diary", "D03-0001", text="七号楼门口路灯不亮，老人晚上出门不便", topic="路灯"))
    return records


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return _records()


@pytest.fixture(scope="module")
def desk(tmp_path_factory, records):
    root = tmp_path_factory.mktemp("desk")
    data = root / "data"
    data.mkdir()
    (data / "roster.csv").write_text(ROSTER, "utf-8")
    (data / "checkin.key").write_bytes(exportkit.KEY)
    db.connect(data / "records.sqlite").close()  # an empty ledger, so each test may be run alone
    upload = root / "phones"
    exportkit.write(upload, records, name="sansong-D03-0001-20260516.json")
    log = (root / "desk.log").open("wb")
    env = {**os.environ, "SITE_BUILDER_NOW": exportkit.NOW}
    process = subprocess.Popen(helpers.SITE_BUILDER + ["desk", "--port", "0", "--content", str(exportkit.CONTENT),
                                                       "--data", str(data), "--out", str(root / "reports"), "--today", TODAY],
                               stdout=subprocess.PIPE, stderr=log, text=True, env=env, cwd=root)
    line = process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+/", line)
    if not match:
        process.kill()
        raise AssertionError(f"desk did not start: {line!r} {(root / 'desk.log').read_text()}")
    yield {"url": match.group(0), "data": data, "upload": upload / "sansong-D03-0001-20260516.json",
           "reports": root / "reports", "root": root}
    process.terminate()
    process.wait(timeout=10)


def ledger(desk) -> sqlite3.Connection:
    return sqlite3.connect(desk["data"] / "records.sqlite")


def submit(page, button) -> None:
    with page.expect_navigation():
        button.click()


def test_desk_first_screen_says_no_login_and_local_only(page, desk):
    page.goto(desk["url"])
    notice = page.locator("#no-login").inner_text()
    assert "没有登录" in notice and "127.0.0.1" in notice
    assert page.locator("html").get_attribute("lang") == "zh-CN"


def test_the_whole_desk_day(page, desk, records):
    """Ingest by upload, confirm and reject check-ins, approve and decline claims with a waiting list, enter
    a 测评 (and correct it), pick a diary entry and print it, record a 回执, write the reports."""
    url = desk["url"]
    # 1. ingest a phone's file by upload
    page.goto(url + "ingest")
    page.set_input_files("#files", str(desk["upload"]))
    submit(page, page.get_by_role("button", name="导入"))
    summary = page.locator("#summary").inner_text()
    assert f"新接收 {len(records)} 条" in summary and "sansong-D03-0001-20260516.json" in summary
    assert "签到码不符（待确认）：2 条" in summary and "desk-upload" not in summary
    with ledger(desk) as conn:
        assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == len(records)
    # the same file again: nothing new
    page.set_input_files("#files", str(desk["upload"]))
    submit(page, page.get_by_role("button", name="导入"))
    assert "此文件已处理过" in page.locator("#summary").inner_text()

    # 2. confirm one unverified check-in, reject the other
    checkins = [r["id"] for r in records if r["type"] == "checkin"]
    page.goto(url + "checkins")
    page.check(f"#c-{checkins[0]}")
    page.fill("#by", "阳光社区张书记")
    submit(page, page.get_by_role("button", name="确认所选签到"))
    assert "已确认 1 条签到" in page.locator(".message").inner_text()
    page.check(f"#c-{checkins[1]}")
    submit(page, page.get_by_role("button", name="退回所选签到"))
    assert "已退回 1 条签到" in page.locator(".message").inner_text()
    assert "没有待确认的签到" in page.inner_text("main")
    with ledger(desk) as conn:
        assert dict(conn.execute("SELECT record_id, verification FROM checkins")) == {
            checkins[0]: "confirmed", checkins[1]: "rejected"}
        assert conn.execute("SELECT decided_by FROM decisions WHERE record_id = ?", (checkins[0],)).fetchone()[0] == "阳光社区张书记"

    # 3. claims: TD-BM-01 takes 2; the third claimant waits, and is refused until a place is free
    page.goto(url + "claims?community=taidong")
    post = page.locator("#post-TD-BM-01")
    assert "可认领 2 人 · 已同意 0 人" in post.inner_text() and "待审核 3 人" in post.inner_text()
    for name in ("王一", "李二"):
        submit(page, page.get_by_role("button", name=f"同意 {name} 认领 TD-BM-01", exact=True))
    post = page.locator("#post-TD-BM-01")
    assert "已满" in post.inner_text() and "候补 1 人" in post.inner_text()
    assert "候补第 1 位" in post.locator("tr.waiting").inner_text() and "赵三" in post.locator("tr.waiting").inner_text()
    submit(page, page.get_by_role("button", name="同意 赵三 认领 TD-BM-01", exact=True))
    assert "已满（可认领 2 人，已同意 2 人）" in page.locator(".error").inner_text()
    with ledger(desk) as conn:
        assert conn.execute("SELECT count(*) FROM claim_decisions WHERE card = 'D03-0003'").fetchone()[0] == 0
    submit(page, page.locator("tr.approved", has_text="王一").get_by_role("button", name="不同意 王一 认领 TD-BM-01", exact=True))
    submit(page, page.get_by_role("button", name="同意 赵三 认领 TD-BM-01", exact=True))
    post = page.locator("#post-TD-BM-01")
    assert "已同意 2 人" in post.inner_text() and "赵三" in post.locator("tr.approved").all_inner_texts()[-1]
    assert "未同意" in post.locator("tr.declined").inner_text()
    with ledger(desk) as conn:
        latest = dict(conn.execute("SELECT card, decision FROM claim_decisions ORDER BY rowid"))
    assert latest == {"D03-0001": "declined", "D03-0002": "approved", "D03-0003": "approved"}

    # 4. 民主测评: a bad card is refused with a located reason, then an entry and its correction
    page.goto(url + "evaluation")
    page.fill("#card", "D03-12")
    page.select_option("#period", "2026H1")
    page.select_option("#community", "yangguang")
    submit(page, page.get_by_role("button", name="保存测评"))
    assert "报到卡号 card 格式不对" in page.locator(".error").inner_text()
    with ledger(desk) as conn:
        assert conn.execute("SELECT count(*) FROM records WHERE type = 'evaluation'").fetchone()[0] == 0
    page.fill("#card", "Ｄ０３－０００１")  # as typed on a Chinese keyboard
    page.select_option("#grade", "优秀")
    page.fill("#pledge_done", "每周代购，已完成")
    submit(page, page.get_by_role("button", name="保存测评"))
    assert "已保存" in page.locator(".message").inner_text()
    assert "优秀" in page.locator("#entered").inner_text() and "王一" in page.locator("#entered").inner_text()
    page.fill("#card", "D03-0001")
    page.select_option("#community", "yangguang")
    page.select_option("#grade", "合格")
    submit(page, page.get_by_role("button", name="保存测评"))
    assert "合格" in page.locator("#entered").inner_text() and "优秀" not in page.locator("#entered").inner_text()
    with ledger(desk) as conn:
        rows = conn.execute("SELECT json_extract(body, '$.grade'), superseded_by IS NULL FROM records"
                            " WHERE type = 'evaluation' ORDER BY rowid").fetchall()
    assert rows == [("优秀", 0), ("合格", 1)]

    # 5. 择优报送: pick the diary entry and print the department's selection
    diary = next(r for r in records if r["type"] == "diary")
    page.goto(url + "diary?department=D03")
    page.check(f"#d-{diary['id']}")
    submit(page, page.get_by_role("button", name="保存选定"))
    assert "选定 1 篇" in page.locator(".message").inner_text()
    assert page.is_checked(f"#d-{diary['id']}")
    page.get_by_role("link", name="打印本部门择优报送的民情日记").click()
    page.wait_for_url(re.compile(r"/diary/print\?department=D03"))
    assert diary["text"] in page.inner_text("main") and "区教育局" in page.inner_text("main")
    with ledger(desk) as conn:
        assert conn.execute("SELECT record_id, selected FROM diary_selections").fetchall() == [(diary["id"], 1)]

    # 6. 回执 returned to the unit
    page.goto(url + "receipts?department=D03")
    page.check("#r-D03-0002")
    page.fill("#day", "2026-05-08")
    submit(page, page.get_by_role("button", name="登记所选回执已交回"))
    assert "已登记 1 份回执交回（2026-05-08）" in page.locator(".message").inner_text()
    assert "已交回（2026-05-08）" in page.locator("tr", has_text="D03-0002").inner_text()
    assert "未交回" in page.locator("tr", has_text="D03-0001").inner_text()

    # 7. reports and codes from the desk: the 回执 in the registration report, the diary page per department
    page.goto(url + "print")
    submit(page, page.get_by_role("button", name="生成全部报表"))
    assert "报表已写入" in page.locator(".message").first.inner_text()
    registration = (desk["reports"] / "registration.html").read_text("utf-8")
    assert re.search(r'class="num receipts">1 / 3<', registration)
    assert "报到卡回执未交回单位（2 人）" in registration and "D03-0002" not in registration.split("回执未交回单位")[1].split("</table>")[0]
    assert diary["text"] in (desk["reports"] / "diary" / "D03.html").read_text("utf-8")
    page.goto(url + "reports/registration.html")
    assert "回执已交回" in page.inner_text("main")
    page.goto(url + "print")
    page.fill("#start", "2026-12-01")
    submit(page, page.get_by_role("button", name="生成签到码表"))
    assert "2026-12-15-yangguang" in page.inner_text("main")
    href = page.locator("#result-link").get_attribute("href")
    page.goto(url + href.lstrip("/"))
    assert exportkit.codes.code_for(exportkit.KEY, "2026-12-15-yangguang") in page.inner_text("body")


def test_desk_pages_are_accessible_and_keyboard_usable(page, desk):
    """Every form control has a label (axe), and the upload form works from the keyboard alone."""
    if not helpers.AXE.exists():
        pytest.skip("axe-core is not installed (npm i -E axe-core@4.14.1)")
    for path in ("", "ingest", "checkins", "claims?community=taidong", "evaluation", "diary?department=D03",
                 "receipts?department=D03", "print"):
        page.goto(desk["url"] + path)
        page.add_script_tag(path=str(helpers.AXE))
        found = page.evaluate("axe.run({runOnly: ['wcag2a', 'wcag2aa']}).then(r => r.violations.map(v => v.id + ': ' + v.nodes.length))")
        assert found == [], (path, found)
    page.goto(desk["url"] + "evaluation")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "跳到正文"


def test_a_post_from_another_site_is_refused(page, desk, records):
    """A page of another site open in the same browser cannot act through the desk (there is no login):
    its form posts are refused, and nothing is written."""
    checkin = next(r["id"] for r in records if r["type"] == "checkin")
    form = (f'<form method="post" action="{desk["url"]}checkins"><input name="record_id" value="{checkin}">'
            '<input name="decision" value="reject"><input name="token" value="guess"><button>go</button></form>')
    page.route("http://evil.example/**", lambda route: route.fulfill(status=200, content_type="text/html", body=form))
    page.goto("http://evil.example/")
    with ledger(desk) as conn:
        before = conn.execute("SELECT count(*) FROM decisions").fetchone()[0]
    with page.expect_navigation():
        page.click("button")
    assert "拒绝来自其他网站的提交" in page.inner_text("body")
    with ledger(desk) as conn:
        assert conn.execute("SELECT count(*) FROM decisions").fetchone()[0] == before


def test_desk_refuses_another_interface(tmp_path):
    result = subprocess.run(helpers.SITE_BUILDER + ["desk", "--host", "0.0.0.0", "--content", str(exportkit.CONTENT),
                                                    "--data", str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "--host 0.0.0.0：工作台没有登录，只能在本机 127.0.0.1 上运行" in result.stdout + result.stderr


def test_a_correction_that_switches_consent_on_waits_for_the_desk(page, desk):
    """A correction that puts a member on the 光荣榜 takes effect only once confirmed (ledger/trust.py): the
    desk lists it with the reason, and confirming it there makes it the member's registration."""
    from site_builder.ledger import snapshot

    original = exportkit.record("registration", "D03-0004", "2026-04-25T09:00:00+08:00", name="钱四")
    correction = exportkit.record("registration", "D03-0004", "2026-04-26T09:00:00+08:00", name="钱四",
                                  consent={"honour_roll": True, "stories": False}, replaces=original["id"])
    phones = desk["root"] / "consent"
    exportkit.write(phones, [original], name="sansong-D03-0004-1.json")
    exportkit.write(phones, [correction], name="sansong-D03-0004-2.json")
    result = subprocess.run(helpers.SITE_BUILDER + ["ingest", str(phones), "--content", str(exportkit.CONTENT),
                                                    "--data", str(desk["data"])], capture_output=True, text=True)
    assert result.returncode == 2, result.stdout + result.stderr  # needs attention: the correction waits

    def consent() -> bool:
        registration = next(r for r in snapshot.read(desk["data"] / "records.sqlite").records["registration"]
                            if r.card == "D03-0004")
        return registration.get("consent")["honour_roll"]

    assert consent() is False  # the original stands while the correction waits
    page.goto(desk["url"] + "checkins")
    row = page.locator("tr", has=page.locator(f'input[value="{correction["id"]}"]'))
    assert "钱四" in row.inner_text() and "光荣榜公开同意" in row.inner_text()
    row.locator("input[type=checkbox]").check()
    page.fill("#w-by", "组织部李干事")
    submit(page, page.get_by_role("button", name="确认所选记录"))
    assert "已确认 1 条待确认记录" in page.locator(".message").inner_text()
    assert page.locator(f'input[value="{correction["id"]}"]').count() == 0
    assert consent() is True
    with ledger(desk) as conn:
        assert conn.execute("SELECT decision, decided_by FROM decisions WHERE record_id = ?",
                            (correction["id"],)).fetchone() == ("confirmed", "组织部李干事")
