"""Search in the browser (theme/static/js/search.js with the pieces search.py writes): a word in the middle
of a sentence is found online; offline, with Chromium's HTTP cache cleared, /search/ opens from the precache
and a query whose pieces the phone fetched before is answered by the service worker's search cache."""

from __future__ import annotations

import json
from urllib.parse import quote

from site_builder import search

from . import helpers

WORD = "报到"  # “今年报到到邰东的在职党员…” and many more sentences in the sample stories


def results(page) -> list[str]:
    return page.locator("[data-search-results] li a").evaluate_all("links => links.map(a => a.getAttribute('href'))")


def search_for(page, query: str) -> str:
    page.fill("#q", query)
    page.press("#q", "Enter")
    return helpers.poll(lambda: (lambda s: s if s and s != "正在搜索…" else None)(
        page.locator("[data-search-status]").inner_text()), what=f"the status line for {query}")


def other_shard_word(site, files_fetched: set[int]) -> str:
    """A two-character word of the sample whose shard the phone has not fetched (the test needs one)."""
    manifest = json.loads((site / "search" / "index.json").read_text(encoding="utf-8"))
    count = len(manifest["shards"]) // manifest["hash"]
    for word in ("义诊", "垃圾", "调解", "课堂", "政策", "环境", "党员", "居民"):
        if search.shard_of(word, count) not in files_fetched:
            return word
    raise AssertionError("every candidate word is in a fetched shard; the sample has too few shards")


def test_search_finds_a_word_mid_sentence_and_works_offline_with_the_pieces_it_fetched(context, page, base_url, site):
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url) if "/search/" in r.url else None)
    page.goto(base_url)
    helpers.wait_controlled(page)

    page.goto(f"{base_url}search/?q={quote(WORD)}")
    status = helpers.poll(lambda: (lambda s: s if s.startswith("找到") else None)(
        page.locator("[data-search-status]").inner_text()), what="results online")
    online = results(page)
    assert online and any(u.startswith("/stories/") for u in online), status
    assert not any(u.endswith("search.json") for u in fetched)
    shards = {int(u.rsplit("/", 1)[1].split(".")[0]) for u in fetched if "/search/i/" in u}
    assert shards, fetched
    other = other_shard_word(site, shards)

    helpers.go_offline(context, page)
    response = page.goto(f"{base_url}search/?q={quote(WORD)}")
    assert response.from_service_worker  # /search/ is precached
    helpers.poll(lambda: results(page) == online, what="the same results offline")
    assert search_for(page, WORD).startswith("找到")
    assert results(page) == online

    status = search_for(page, other)
    assert "没有网络" in status and results(page) == []  # its shard was never fetched: says so, no error

    context.set_offline(False)
    assert search_for(page, other).startswith("找到")
    assert errors == []


def test_search_lists_more_on_request_and_finds_post_codes_and_single_characters(page, base_url):
    page.goto(f"{base_url}search/?q={quote('YG-ZC-01')}")
    helpers.poll(lambda: results(page), what="a post code's result")
    assert results(page)[0] == "/posts/YG-ZC-01/"
    status = search_for(page, "社")
    assert status.startswith("找到") and "显示前20条" in status
    assert len(results(page)) == 20
    page.click("[data-search-more]")
    helpers.poll(lambda: len(results(page)) > 20, what="the next page of results")
    assert search_for(page, "没有这个词").startswith("没有找到")
