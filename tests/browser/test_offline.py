"""The service worker: every precached file answers with the network off and the HTTP cache cleared;
pages not precached are cached as visited; other navigations fall back to the offline page."""

from __future__ import annotations

import json

from . import helpers

# One page of every kind a member needs offline, opened by navigation (the rest are fetched below).
NAVIGATIONS = ["", "communities/", "communities/yangguang/", "posts/", "activities/", "teams/", "about/",
               "register/", "claim/", "checkin/?a=x&c=123456", "diary/", "me/", "offline/"]


def install(page, base_url):
    page.goto(base_url)
    helpers.wait_controlled(page)


def test_every_precached_file_is_served_by_the_service_worker_offline(context, page, base_url, site):
    install(page, base_url)
    helpers.go_offline(context, page)
    for path in NAVIGATIONS:
        response = page.goto(base_url + path)
        assert response is not None and response.ok, path
        assert response.from_service_worker, f"{path} was not answered by the service worker"
        assert page.locator("main h1").count() >= 1, path
    urls = helpers.precache_urls(site)
    assert len(urls) > 20
    failures = page.evaluate("""async (urls) => {
      const bad = [];
      for (const url of urls) {
        try { const r = await fetch(url, {cache: 'no-store'}); if (!r.ok) bad.push(url + ' ' + r.status); }
        catch (e) { bad.push(url + ' ' + e); }
      }
      return bad;
    }""", urls)
    assert failures == []


def test_offline_navigation_to_an_unvisited_page_shows_the_offline_page(context, page, base_url, site):
    stories = sorted(p.parent.name for p in (site / "stories").glob("*/index.html") if p.parent.name != "page")
    install(page, base_url)
    helpers.go_offline(context, page)
    response = page.goto(f"{base_url}stories/{stories[0]}/")
    assert response.from_service_worker
    assert "无法联网" in page.locator("h1").inner_text()


def test_a_visited_page_is_cached_for_later(context, page, base_url, site):
    stories = sorted(p.parent.name for p in (site / "stories").glob("*/index.html") if p.parent.name != "page")
    install(page, base_url)
    page.goto(f"{base_url}stories/{stories[-1]}/")
    title = page.locator("h1").inner_text()
    helpers.go_offline(context, page)
    response = page.goto(f"{base_url}stories/{stories[-1]}/")
    assert response.from_service_worker
    assert page.locator("h1").inner_text() == title


def test_stories_are_not_precached(site):
    urls = helpers.precache_urls(site)
    assert not [u for u in urls if u.startswith("/stories/")]
    assert "/offline/" in urls and "/app/catalogue.json" in urls and "/manifest.webmanifest" in urls


def test_a_site_under_a_sub_path_is_built_for_it_and_works_offline(context, page, tmp_path):
    content = helpers.copy_content(tmp_path)
    out = tmp_path / "root" / "sansong"
    helpers.build_site(content, out, base_url="/sansong/")
    manifest = json.loads((out / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["start_url"] == manifest["scope"] == "/sansong/"
    assert all(icon["src"].startswith("/sansong/static/icons/") for icon in manifest["icons"])
    assert "const BASE = '/sansong/';" in (out / "sw.js").read_text(encoding="utf-8")
    assert all(url.startswith("/sansong/") for url in helpers.precache_urls(out))
    form = (out / "register" / "index.html").read_text(encoding="utf-8")
    assert 'data-sw="/sansong/sw.js" data-scope="/sansong/"' in form
    assert 'data-catalogue="/sansong/app/catalogue.json"' in form
    server = helpers.serve(tmp_path / "root", tmp_path / "http.log")
    try:
        page.goto(server.url + "sansong/")
        helpers.wait_controlled(page)
        assert page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.scope)") == server.url + "sansong/"
        helpers.go_offline(context, page)
        response = page.goto(server.url + "sansong/checkin/?a=x&c=123456")
        assert response.from_service_worker and page.locator("h1").inner_text() == "签到签退"
        response = page.goto(server.url + "sansong/no-such-page/")
        assert response.from_service_worker and "无法联网" in page.locator("h1").inner_text()
    finally:
        server.stop()
