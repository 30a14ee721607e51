"""The builder's side of the offline app, without a browser: app pages, catalogue, manifest, sw.js."""

from __future__ import annotations

import hashlib
import json
import re

from . import helpers


def test_app_pages_are_precached_and_left_out_of_the_sitemap(site):
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    urls = helpers.precache_urls(site)
    for path in ("register/", "claim/", "checkin/", "diary/", "me/", "offline/"):
        assert (site / path / "index.html").is_file()
        assert "/" + path in urls
        assert f"/{path}</loc>" not in sitemap


def test_every_revision_is_the_hash_of_the_served_bytes(site):
    text = (site / "sw.js").read_text(encoding="utf-8")
    entries = json.loads(re.search(r"const PRECACHE = (\[.*?\n\]);", text, re.S).group(1))
    assert entries == sorted(entries, key=lambda e: e["url"])
    for entry in entries:
        path = entry["url"].lstrip("/")
        path = path + "index.html" if path == "" or path.endswith("/") else path
        assert hashlib.sha256((site / path).read_bytes()).hexdigest()[:16] == entry["revision"], entry["url"]
    assert "__VERSION__" not in text and "__BASE__" not in text


def test_catalogue_holds_no_personal_data(site):
    catalogue = json.loads((site / "app" / "catalogue.json").read_text(encoding="utf-8"))
    assert {"communities", "departments", "categories", "posts", "activities", "year", "targets"} <= set(catalogue)
    assert catalogue["targets"]["activities_per_member"] >= 1
    text = json.dumps(catalogue, ensure_ascii=False)
    assert not re.search(r"1[3-9]\d{9}|\d{17}[\dX]", text)
    for key in ("members", "name\": \"王", "headcount", "phone", "consent"):
        assert key not in text
    assert all(isinstance(a["hours"], (int, float)) and a["hours"] > 0 for a in catalogue["activities"])


def test_sw_and_manifest_are_byte_identical_for_identical_input(site, tmp_path):
    content = helpers.copy_content(tmp_path)
    again = tmp_path / "again"
    helpers.build_site(content, again)
    for name in ("sw.js", "manifest.webmanifest", "app/catalogue.json"):
        assert (again / name).read_bytes() == (site / name).read_bytes(), name


def test_the_service_worker_never_touches_records_and_precaches_with_reload(site):
    sw = (site / "sw.js").read_text(encoding="utf-8")
    assert "indexedDB" not in sw and "IDB" not in sw
    assert "cache: 'reload'" in sw
    assert "self.skipWaiting()" in sw and sw.count("skipWaiting") == 1, "only on the page's SKIP_WAITING message"


def test_upcoming_activities_calendar_files_are_precached_and_past_ones_are_not(site):
    urls = set(helpers.precache_urls(site))
    catalogue = helpers.catalogue(site)
    coming = [a["id"] for a in catalogue["activities"] if a["date"] >= helpers.TODAY]
    gone = [a["id"] for a in catalogue["activities"] if a["date"] < helpers.TODAY]
    assert coming and gone
    assert all(f"/activities/{i}/event.ics" in urls for i in coming)
    assert not any(f"/activities/{i}/event.ics" in urls for i in gone)
    assert "/activities.ics" not in urls  # a subscription: calendar apps fetch it themselves
