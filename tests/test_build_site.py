"""The sample site (content/) built once per session: page kinds, feeds, calendars, sitemap, links,
determinism, sub-path, privacy. Uses the real loader, validator, offline app and writer."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from site_builder import build, links
from site_builder.errors import SiteBuilderError
from test_feeds import ATOM, SITEMAP, events

ROOT = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 28)


def options(**changes) -> build.Options:
    return build.Options(content_dir=ROOT / "content", today=TODAY, ledger=Path("/nonexistent/records.sqlite"), **changes)


@pytest.fixture(scope="session")
def site() -> dict[str, bytes]:
    return build.render_site(options())


@pytest.fixture(scope="session")
def content():
    return build.load_checked(options())


def html(site, path: str) -> str:
    return site[path].decode("utf-8")


def test_every_page_kind_exists(site, content):
    community = next(iter(content.communities))
    post = next(iter(content.posts))
    category = next(iter(content.categories))
    activity = next(iter(content.activities))
    story = next(iter(content.stories.values()))
    team = next(iter(content.teams))
    expected = ["index.html", "communities/index.html", f"communities/{community}/index.html", "posts/index.html",
                f"posts/category/{category}/index.html", f"posts/community/{community}/index.html",
                f"posts/{post}/index.html", "teams/index.html", f"teams/{team}/index.html", "activities/index.html",
                f"activities/{activity}/index.html", "stories/index.html", f"stories/{story.slug}/index.html",
                "honour/index.html", "about/index.html", "404.html", "feed.xml", "activities.ics",
                f"communities/{community}/activities.ics", "sitemap.xml", "robots.txt"]
    assert [p for p in expected if p not in site] == []
    assert any(p.startswith("stories/tag/") for p in site)
    assert any(p.startswith("stories/community/") for p in site)
    assert any(p.startswith("stories/team/") for p in site)
    assert len([p for p in site if p.startswith("communities/") and p.endswith("/index.html")]) == len(content.communities) + 1


def test_pages_are_chinese_with_titles_descriptions_and_open_graph(site):
    for path in ("index.html", "about/index.html", "posts/index.html"):
        page = html(site, path)
        assert '<html lang="zh-CN">' in page and "<title>" in page
        assert '<meta name="description" content="' in page and 'property="og:title"' in page
        assert 'property="og:url" content="https://' in page


def test_every_internal_link_resolves(site):
    assert links.check(site, "/") == []


def test_atom_feed_parses_with_every_published_story(site, content):
    root = ET.fromstring(site["feed.xml"])
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == min(len(content.stories), 50) and entries
    for entry in entries:
        path = urlsplit(entry.find(f"{ATOM}link").get("href")).path.lstrip("/")
        assert unquote(path) + "index.html" in site


def test_calendars_parse_with_one_event_per_activity(site, content):
    all_events = events(site["activities.ics"])
    assert len(all_events) == len(content.activities)
    assert len({e["props"]["UID"][0] for e in all_events}) == len(all_events)
    for community in content.communities.values():
        own = [a for a in content.activities.values() if a.community == community.id]
        assert len(events(site[f"communities/{community.id}/activities.ics"])) == len(own)


def test_sitemap_lists_only_existing_pages(site):
    root = ET.fromstring(site["sitemap.xml"])
    locs = [u.find(f"{SITEMAP}loc").text for u in root]
    assert len(locs) > 100
    for loc in locs:
        path = unquote(urlsplit(loc).path).lstrip("/")
        assert (path + "index.html" if path == "" or path.endswith("/") else path) in site, loc
    assert "sitemap.xml" in site["robots.txt"].decode()


def test_two_builds_are_byte_identical(tmp_path, site):
    build.build(options(out_dir=tmp_path / "a"))  # a second, separate build, written to disk
    written = {p.relative_to(tmp_path / "a").as_posix(): p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file()}
    assert written.pop(".site-builder-output")
    assert written.keys() == site.keys()
    assert [name for name in site if written[name] != site[name]] == []


def test_site_under_a_sub_path_resolves_every_link():
    sub = build.render_site(options(base_url="https://www.example.cn/sansong/"))
    assert links.check(sub, "/sansong/") == []
    home = sub["index.html"].decode()
    assert 'href="/sansong/communities/"' in home and 'href="/communities/"' not in home
    assert "https://www.example.cn/sansong/stories/" in sub["sitemap.xml"].decode()


MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])")
CARD = re.compile(r"(?<![A-Za-z0-9])D\d{2}-\d{4}(?!\d)")


def test_no_mobile_or_id_number_and_no_member_of_the_roster_reaches_the_site(site):
    roster = dict(line.split(",")[:2] for line in (ROOT / "sample" / "roster.csv").read_text("utf-8").splitlines()[1:])
    for path, data in site.items():
        if path.endswith((".html", ".xml", ".ics", ".json", ".txt", ".js")):
            text = data.decode("utf-8", errors="replace")
            if not path.endswith((".js", ".json")):  # hashes and revisions there are long digit strings
                assert not MOBILE.search(text) and not ID_NUMBER.search(text), path
            for card in set(CARD.findall(text)):  # a format example is fine; a card beside its holder is not
                assert roster.get(card, "\0") not in text, (path, card)


def test_refuses_to_overwrite_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SiteBuilderError):
        build.build(options(out_dir=tmp_path))
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_cli_build_with_a_path_only_base_url(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "site_builder", "build", "--content", str(ROOT / "content"),
                             "--out", str(out), "--base-url", "/sansong/", "--today", TODAY.isoformat(),
                             "--ledger", str(tmp_path / "none.sqlite")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    home = (out / "index.html").read_text("utf-8")
    assert 'href="/sansong/posts/"' in home and 'href="/posts/"' not in home
    written = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert links.check(written, "/sansong/") == []
