"""Issue 10 in a real browser: the built site (sync endpoint and public key in site.yaml) against a real
`site-builder collect` subprocess on 127.0.0.1. Records made offline are sent when the network returns;
while the endpoint answers 500 nothing is lost and everything arrives once it recovers; a batch sent
twice is stored once; a sealed export downloaded from the app is opened by ingest, a tampered one is
quarantined, and the file holds no readable name, card number or diary text."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import forms, helpers
from .test_export import export

DIARY_TEXT = "3号楼前两盏路灯不亮"


@dataclass
class Synced:
    root: Path
    content: Path
    data: Path
    url: str  # the site
    endpoint: str
    fail: Path  # while this file exists, collect answers 500 (SITE_BUILDER_TEST_COLLECT_FAIL)
    collect: subprocess.Popen
    log: Path

    def ledger_ids(self) -> set[str]:
        path = self.data / "records.sqlite"
        if not path.exists():
            return set()
        with sqlite3.connect(path) as db:
            return {row[0] for row in db.execute("SELECT id FROM records")}

    def files(self) -> int:
        with sqlite3.connect(self.data / "records.sqlite") as db:
            return db.execute("SELECT count(*) FROM files").fetchone()[0]


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    root = tmp_path_factory.mktemp("synced")
    content = helpers.copy_content(root)
    data = root / "data"
    keys = subprocess.run(helpers.SITE_BUILDER + ["keys", "--content", str(content), "--bits", "2048"],
                          capture_output=True, text=True, cwd=root)
    assert keys.returncode == 0, keys.stderr
    site = root / "site"
    site.mkdir()
    server = helpers.serve(site, root / "http.log")
    fail = root / "fail-now"
    log = root / "collect.log"
    env = {**os.environ, "SITE_BUILDER_TEST_COLLECT_FAIL": str(fail)}
    collect = subprocess.Popen(helpers.SITE_BUILDER + ["collect", "--content", str(content), "--port", "0",
                                                       "--origin", server.url.rstrip("/")],
                               stdout=subprocess.PIPE, stderr=log.open("wb"), text=True, cwd=root, env=env)
    try:
        first = collect.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/batches", first)
        assert match, f"collect did not start: {first!r} {log.read_text()}"
        endpoint = match.group(0)
        site_yaml = content / "site.yaml"
        text = site_yaml.read_text("utf-8")
        text = re.sub(r"sync:\n  endpoint: null\n  public_key: null",
                      f"sync:\n  endpoint: {endpoint}\n  public_key: export-public.pem", text)
        assert endpoint in text
        site_yaml.write_text(text, "utf-8")
        helpers.build_site(content, site)
        yield Synced(root, content, data, server.url, endpoint, fail, collect, log)
    finally:
        collect.terminate()
        collect.wait(timeout=10)
        server.stop()


@pytest.fixture
def phone(browser):
    context = helpers.new_context(browser)
    page = context.new_page()
    page.set_default_timeout(30000)
    yield context, page
    context.close()


def entries(page) -> dict[str, dict]:
    return {row["id"]: row for row in helpers.stored(page)}


def sent_ids(page) -> set[str]:
    return {i for i, row in entries(page).items() if (row.get("sync") or {}).get("state") == "sent"}


def outbox_state(page) -> str:
    return page.evaluate("self.Sansong && Sansong.outbox ? Sansong.outbox.status().state : ''")


def test_the_site_publishes_the_endpoint_and_the_public_key_but_no_private_key(synced):
    assert "联网后自动发送" in (synced.root / "site" / "offline" / "index.html").read_text("utf-8")
    published = json.loads((synced.root / "site" / "app" / "sync.json").read_text("utf-8"))
    assert published["endpoint"] == synced.endpoint
    private = next((synced.data / "export-keys").glob("*.pem"))
    assert published["public_key"]["kid"] == private.stem
    secret = private.read_bytes()
    body = b"".join(secret.splitlines()[1:-1])
    for path in (synced.root / "site").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert b"PRIVATE KEY" not in data and body[:40] not in data, path


def test_records_made_offline_are_sent_when_the_network_returns(synced, phone):
    context, page = phone
    page.goto(synced.url + "me/")
    helpers.wait_controlled(page)
    helpers.go_offline(context, page)
    forms.register(page, synced.url)
    forms.diary(page, synced.url)
    made = set(entries(page))
    assert len(made) == 2
    page.goto(synced.url + "me/")
    helpers.poll(lambda: page.locator("[data-records] li[data-sync=unsent]").count() == 2, what="2 records shown 未发送")
    helpers.poll(lambda: "没有网络" in page.locator("[data-outbox-status]").inner_text(), what="the offline notice")
    assert not made & synced.ledger_ids()
    assert all(not row.get("sync") for row in entries(page).values())

    context.set_offline(False)  # the `online` event: the outbox sends
    helpers.poll(lambda: made <= synced.ledger_ids(), 30, what="both records in the ledger")
    helpers.poll(lambda: sent_ids(page) == made, 30, what="both records marked sent on the phone")
    helpers.poll(lambda: page.locator("[data-records] li[data-sync=sent]").count() == 2, what="2 records shown 已发送")
    assert "已发送" in page.locator("[data-records] li").first.inner_text()


def test_while_the_endpoint_answers_500_nothing_is_lost_and_all_arrives_after(synced, phone):
    context, page = phone
    synced.fail.touch()
    try:
        page.goto(synced.url + "me/")
        forms.register(page, synced.url, card="D03-0043")
        forms.diary(page, synced.url)
        made = set(entries(page))
        page.goto(synced.url + "me/")
        helpers.poll(lambda: outbox_state(page) == "retrying", 30, what="the outbox retrying after a 500")
        for attempt in range(2, 4):  # the retry timers fire (the phone's clock jumps past each back-off)
            context.clock.fast_forward(11 * 60 * 1000)
            helpers.poll(lambda n=attempt: page.evaluate("Sansong.outbox.status().attempts") >= n, 30,
                         what=f"attempt {attempt} answered 500 too")
        assert page.evaluate("Sansong.outbox.status().state") == "retrying"
        assert not made & synced.ledger_ids()
        assert set(entries(page)) == made and not sent_ids(page)  # nothing dropped, nothing taken as delivered
        assert "不会丢失" in page.locator("[data-outbox-status]").inner_text()
        assert page.locator("[data-records] li[data-sync=unsent]").count() == 2
    finally:
        synced.fail.unlink(missing_ok=True)
    context.clock.fast_forward(11 * 60 * 1000)  # past the longest back-off
    helpers.poll(lambda: made <= synced.ledger_ids(), 30, what="both records in the ledger after recovery")
    helpers.poll(lambda: sent_ids(page) == made, 30, what="both records marked sent")


def test_the_same_batch_sent_twice_is_stored_once(synced, phone):
    context, page = phone
    page.goto(synced.url + "me/")
    forms.diary(page, synced.url)
    made = set(entries(page))
    helpers.poll(lambda: sent_ids(page) == made, 30, what="the diary sent")
    files = synced.files()
    with sqlite3.connect(synced.data / "records.sqlite") as db:
        before = db.execute("SELECT count(*) FROM records").fetchone()[0]
    # The phone forgets the answer (as if it had been lost on the way) and sends the same records again.
    page.evaluate("""async () => {
      const db = await new Promise(ok => { const r = indexedDB.open('sansong'); r.onsuccess = () => ok(r.result); });
      const tx = db.transaction('records', 'readwrite');
      const store = tx.objectStore('records');
      const rows = await new Promise(ok => { const r = store.getAll(); r.onsuccess = () => ok(r.result); });
      for (const row of rows) { delete row.sync; store.put(row); }
      await new Promise(ok => { tx.oncomplete = ok; });
      db.close();
    }""")
    status = page.evaluate("Sansong.outbox.flush()")
    assert status["state"] == "sent"
    assert sent_ids(page) == made
    assert [row["sync"]["status"] for row in entries(page).values()] == ["known"]
    assert synced.files() == files + 1  # a second batch arrived (sealed afresh: other bytes) ...
    with sqlite3.connect(synced.data / "records.sqlite") as db:
        assert db.execute("SELECT count(*) FROM records").fetchone()[0] == before  # ... and stored nothing twice


def test_a_sealed_export_opens_in_ingest_and_a_tampered_one_is_quarantined(synced, phone, tmp_path):
    context, page = phone
    forms.register(page, synced.url)
    forms.diary(page, synced.url)
    made = set(entries(page))
    page.goto(synced.url + "me/")
    note = page.locator("[data-seal-note]")
    note.wait_for(state="visible")
    assert note.get_attribute("data-sealed") == "true" and "加密" in note.inner_text()
    name, document = export(page, tmp_path)
    assert "D03-0042" not in name
    raw = (tmp_path / name).read_text("utf-8")
    assert document["version"] == 2 and set(document) == {"format", "version", "alg", "kid", "key", "iv", "ciphertext"}
    for readable in ("王建华", "D03-0042", DIARY_TEXT, "路灯", "区教育局机关第一党支部"):
        assert readable not in raw
    ledger = tmp_path / "ledger.sqlite"
    run = helpers.SITE_BUILDER + ["ingest", "--content", str(synced.content), "--data", str(synced.data), "--ledger", str(ledger)]
    result = subprocess.run(run + [str(tmp_path / name)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode in (0, 2), result.stderr
    with sqlite3.connect(ledger) as db:
        assert {row[0] for row in db.execute("SELECT id FROM records")} == made
        assert db.execute("SELECT format_version FROM files").fetchone() == (2,)
        body = db.execute("SELECT body FROM records WHERE type = 'diary'").fetchone()[0]
    assert DIARY_TEXT in body  # opened with the private key
    tampered = dict(document)
    tampered["ciphertext"] = ("A" if document["ciphertext"][0] != "A" else "B") + document["ciphertext"][1:]
    bad = tmp_path / "tampered.json"
    bad.write_text(json.dumps(tampered), "utf-8")
    result = subprocess.run(run + [str(bad)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stdout + result.stderr
    assert "隔离" in result.stdout and "密封校验失败" in result.stdout
    with sqlite3.connect(ledger) as db:
        assert db.execute("SELECT count(*) FROM records").fetchone()[0] == len(made)


def test_the_registration_names_the_phone(synced, phone):
    context, page = phone
    forms.register(page, synced.url)
    device = helpers.meta(page)["device"]
    (row,) = entries(page).values()
    assert row["record"]["device"] == device


def test_without_a_key_the_member_is_told_exports_are_not_sealed(page, base_url, tmp_path):
    forms.diary(page, base_url)
    page.goto(base_url + "me/")
    note = page.locator("[data-seal-note]")
    note.wait_for(state="visible")
    assert note.get_attribute("data-sealed") == "false" and "没有加密" in note.inner_text()
    assert page.locator("[data-outbox]").is_hidden()  # no endpoint: nothing is sent, no 未发送 states
    assert page.locator("[data-records] li[data-sync]").count() == 0
    _, document = export(page, tmp_path)
    assert document["version"] == 1

