"""Export: one file with every record of this phone, valid against the published JSON Schema, each record
exactly once; records marked exported only afterwards; a check-out after export is a new record."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess

import jsonschema
import pytest

from . import forms, helpers


@pytest.fixture(scope="module")
def activity(site) -> str:
    """A yangguang activity on the phone's day or before (helpers.DEVICE_NOW): a check-in it accepts."""
    catalogue = json.loads((site / "app" / "catalogue.json").read_text(encoding="utf-8"))
    day = helpers.DEVICE_NOW.date().isoformat()
    return [a["id"] for a in catalogue["activities"] if a["community"] == "yangguang" and a["date"] <= day][-1]


def export(page, tmp_path, confirm: bool = True) -> tuple[str, dict]:
    """Presses 导出全部记录 on /me/, saves the download and, as a member who found the file, answers
    “文件已保存到手机了吗？” with 已保存; returns the file name and the parsed file."""
    helpers.poll(lambda: page.locator("[data-export]").is_enabled(), 20, what="the export button enabled")
    before = sorted((row["id"], row["exported_at"]) for row in helpers.stored(page))
    with page.expect_download() as info:
        page.locator("[data-export]").click()
    download = info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    page.get_by_text("文件已保存到手机了吗？").wait_for()
    if confirm:
        assert sorted((row["id"], row["exported_at"]) for row in helpers.stored(page)) == before  # not before the member says so
        page.get_by_role("button", name="已保存", exact=True).click()
        helpers.poll(lambda: "已标为“已导出”" in page.locator("[data-export-status]").inner_text(), 20,
                     what="the export confirmed")
    return download.suggested_filename, json.loads(target.read_text(encoding="utf-8"))


def validate(document: dict) -> None:
    schema = helpers.load_schema()
    jsonschema.Draft202012Validator(schema).validate(document)
    record_schema = {"$ref": "#/$defs/record", "$defs": schema["$defs"]}
    for record in document["records"]:
        jsonschema.Draft202012Validator(record_schema).validate(record)


def test_export_file_is_valid_and_holds_every_record_once(page, base_url, activity, tmp_path):
    forms.fill_all(page, base_url, activity)
    page.goto(base_url + "me/")
    ids = sorted(row["id"] for row in helpers.stored(page))
    name, document = export(page, tmp_path)
    assert re.fullmatch(r"sansong-D03-0042-\d{8}-\d{6}\.json", name)
    validate(document)
    assert document["format"] == "sansong-records" and document["version"] == 1
    assert sorted(r["id"] for r in document["records"]) == ids and len(ids) == 4
    rows = helpers.poll(lambda: (lambda r: r if all(x["exported_at"] for x in r) else None)(helpers.stored(page)),
                        10, what="records marked exported")
    assert len(rows) == 4
    helpers.poll(lambda: page.locator("[data-records] li[data-exported=true]").count() == 4, 20, what="4 shown exported")
    assert "4 条记录已标为“已导出”" in page.locator("[data-export-status]").inner_text()
    assert "上次导出" in page.locator("[data-export-summary]").inner_text()


def test_exporting_again_includes_old_and_new_records_and_the_same_device(page, base_url, activity, tmp_path):
    forms.register(page, base_url)
    page.goto(base_url + "me/")
    _, first = export(page, tmp_path)
    forms.diary(page, base_url)
    page.goto(base_url + "me/")
    _, second = export(page, tmp_path)
    validate(second)
    assert first["device"] == second["device"]
    assert {r["id"] for r in first["records"]} < {r["id"] for r in second["records"]}
    assert len(second["records"]) == 2


def test_checkout_after_export_is_a_new_record_replacing_the_checkin(page, base_url, activity, tmp_path):
    forms.checkin(page, base_url, activity)
    page.goto(base_url + "me/")
    _, first = export(page, tmp_path)
    original = first["records"][0]
    page.goto(base_url + "checkin/")
    page.get_by_role("button", name="签退：", exact=False).click()
    rows = helpers.wait_stored(page, 2)
    newest = [r["record"] for r in rows if r["id"] != original["id"]][0]
    assert newest["replaces"] == original["id"] and newest["checked_out_at"]
    assert newest["checked_in_at"] == original["checked_in_at"] and newest["activity"] == activity
    unchanged = [r for r in rows if r["id"] == original["id"]][0]["record"]
    assert unchanged == original
    page.goto(base_url + "me/")
    _, second = export(page, tmp_path)
    validate(second)
    assert len(second["records"]) == 2


def test_me_page_counts_this_years_activities_and_estimated_hours(page, base_url, activity):
    forms.checkin(page, base_url, activity)
    page.goto(base_url + "me/")
    summary = page.locator("[data-year-summary]")
    helpers.poll(lambda: "已参加活动 1 次" in summary.inner_text(), 20, what="the year summary")
    assert "目标每年至少 4 次" in summary.inner_text()
    assert "预计" in page.locator("[data-year-table]").inner_text()


def test_me_page_reminds_when_records_wait_unexported_for_three_days(page, base_url):
    forms.register(page, base_url)
    page.evaluate("""async () => {
      const db = await new Promise(ok => { const r = indexedDB.open('sansong'); r.onsuccess = () => ok(r.result); });
      const tx = db.transaction('records', 'readwrite');
      const store = tx.objectStore('records');
      const rows = await new Promise(ok => { const r = store.getAll(); r.onsuccess = () => ok(r.result); });
      for (const row of rows) { row.created_at = '2020-01-01T08:00:00+08:00'; store.put(row); }
      await new Promise(ok => { tx.oncomplete = ok; });
    }""")
    page.goto(base_url + "me/")
    reminder = page.locator("[data-reminder]")
    reminder.wait_for(state="visible")
    assert "还没有导出" in reminder.inner_text()


def test_export_works_even_when_the_catalogue_cannot_be_loaded(context, page, base_url, tmp_path):
    forms.diary(page, base_url)
    context.route("**/app/catalogue.json", lambda route: route.abort())
    page.goto(base_url + "me/")
    name, document = export(page, tmp_path)
    validate(document)
    assert len(document["records"]) == 1
    assert "无法读取活动目录" in page.locator("[data-year-summary]").inner_text()


def test_site_builder_ingest_accepts_the_exported_file_twice_without_duplicates(page, base_url, activity, tmp_path, site):
    forms.fill_all(page, base_url, activity)
    page.goto(base_url + "me/")
    name, document = export(page, tmp_path)
    content = site.parent / "content"
    data = tmp_path / "data"
    ledger = data / "records.sqlite"
    for _ in range(2):
        result = subprocess.run(helpers.SITE_BUILDER + ["ingest", "--content", str(content), "--data", str(data),
                                                        "--ledger", str(ledger), str(tmp_path / name)],
                                capture_output=True, text=True, cwd=tmp_path)
        assert result.returncode in (0, 2), result.stderr  # 2: flagged for attention (no roster here), not refused
    with sqlite3.connect(ledger) as db:
        stored_ids = sorted(row[0] for row in db.execute("SELECT id FROM records"))
        rejected = db.execute("SELECT reason FROM rejections").fetchall()
    assert rejected == []
    assert stored_ids == sorted(r["id"] for r in document["records"])
