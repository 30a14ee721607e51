"""A --drafts build (a preview) marks every story not yet published 草稿, and keeps it out of the feed and
the sitemap; a warm build equals a cold one when a story's publish_date arrives."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest

from site_builder import build

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 28)
DRAFT = "2026-11-aixin-yizhan"  # draft: true
SCHEDULED = "2026-11-taixi-niandu"  # publish_date: 2027-01-04
PUBLISHED = "2026-03-wudianban-ketang"


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("drafts")
    shutil.copytree(ROOT / "content", tmp / "content")
    found = {}
    for name, drafts in (("preview", True), ("public", False)):
        out = tmp / name
        build.build(build.Options(content_dir=tmp / "content", out_dir=out, today=TODAY, drafts=drafts,
                                  ledger=tmp / "none.sqlite", cache=False))
        found[name] = out
    return found


def text(site: Path, path: str) -> str:
    return (site / path).read_text(encoding="utf-8")


def test_unpublished_stories_are_marked_on_their_pages(sites):
    preview = sites["preview"]
    for slug in (DRAFT, SCHEDULED):
        page = text(preview, f"stories/{slug}/index.html")
        assert '<strong class="draft-tag">草稿</strong>' in page and "<title>草稿 · " in page
        assert '<meta name="robots" content="noindex">' in page
    assert "定于2027年1月4日发布" in text(preview, f"stories/{SCHEDULED}/index.html")
    published = text(preview, f"stories/{PUBLISHED}/index.html")
    assert "草稿" not in published and "noindex" not in published


def test_unpublished_stories_are_marked_in_lists(sites):
    listing = text(sites["preview"], "stories/index.html")
    cards = re.findall(r'<h3>(<span class="draft-tag">草稿</span> )?<a href="/stories/([^/]+)/">', listing)
    marked = {slug for flag, slug in cards if flag}
    assert marked == {DRAFT, SCHEDULED}
    assert len(cards) > len(marked)


def test_never_in_the_feed_or_the_sitemap(sites):
    for site in sites.values():
        feed, sitemap = text(site, "feed.xml"), text(site, "sitemap.xml")
        assert f"/stories/{PUBLISHED}/" in feed and f"/stories/{PUBLISHED}/" in sitemap
        for slug in (DRAFT, SCHEDULED):
            assert slug not in feed and slug not in sitemap
    # the preview holds the pages themselves; the public site has no trace of them at all
    assert (sites["preview"] / "stories" / DRAFT / "index.html").exists()
    assert not (sites["public"] / "stories" / DRAFT).exists()
    public = [p for p in sites["public"].rglob("*.html") if "草稿" in p.read_text(encoding="utf-8")]
    assert public == []


def test_a_warm_preview_equals_a_cold_one_when_the_publish_date_arrives(tmp_path):
    shutil.copytree(ROOT / "content", tmp_path / "content")

    def run(out: str, day: dt.date, cache: bool) -> dict[str, bytes]:
        folder = tmp_path / out
        build.build(build.Options(content_dir=tmp_path / "content", out_dir=folder, today=day, drafts=True,
                                  ledger=tmp_path / "none.sqlite", cache=cache))
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}

    run("warm", TODAY, True)
    arrived = dt.date(2027, 1, 4)
    warm, cold = run("warm", arrived, True), run("cold", arrived, False)
    assert sorted(warm) == sorted(cold) and [n for n in warm if warm[n] != cold[n]] == []
    assert f"/stories/{SCHEDULED}/" in warm["sitemap.xml"].decode() and SCHEDULED in warm["feed.xml"].decode()
    assert "草稿" not in warm[f"stories/{SCHEDULED}/index.html"].decode()
