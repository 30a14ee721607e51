"""Atom, iCalendar, sitemap and robots on hand-built content; a tiny RFC 5545 reader used by the build tests too."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from site_builder import feeds, ical, pages
from test_pages import TODAY, sample_content

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def parse_ics(data: bytes) -> list[dict]:
    """Checks CRLF, 75-octet lines and BEGIN/END balance; returns components as {"type", "props", "children"}."""
    assert data.endswith(b"\r\n")
    raw_lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in raw_lines), "bare LF or CR"
    assert all(len(line) <= 75 for line in raw_lines), "line longer than 75 octets"
    unfolded: list[bytes] = []
    for line in raw_lines:
        if line.startswith((b" ", b"\t")):
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    root = {"type": "ROOT", "props": {}, "children": []}
    stack = [root]
    for line in (u.decode("utf-8") for u in unfolded):
        name, _, value = line.partition(":")
        if name == "BEGIN":
            component = {"type": value, "props": {}, "children": []}
            stack[-1]["children"].append(component)
            stack.append(component)
        elif name == "END":
            assert stack[-1]["type"] == value, f"END:{value} closes {stack[-1]['type']}"
            stack.pop()
        else:
            stack[-1]["props"].setdefault(name.split(";")[0], []).append(value)
    assert stack == [root], "unbalanced BEGIN/END"
    return root["children"]


def events(data: bytes) -> list[dict]:
    (calendar,) = parse_ics(data)
    assert calendar["type"] == "VCALENDAR"
    assert calendar["props"]["VERSION"] == ["2.0"] and "PRODID" in calendar["props"]
    assert any(c["type"] == "VTIMEZONE" for c in calendar["children"])
    found = [c for c in calendar["children"] if c["type"] == "VEVENT"]
    for event in found:
        for required in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "LOCATION", "DESCRIPTION", "URL"):
            assert required in event["props"], required
    return found


def test_fold_never_splits_a_character_and_unfolds_to_the_original():
    line = "DESCRIPTION:" + "志愿服务，党员活动日；" * 20
    folded = ical.fold(line)
    pieces = folded.encode("utf-8").split(b"\r\n")
    assert len(pieces) > 1 and all(len(p) <= 75 for p in pieces)
    assert all(p.decode("utf-8") for p in pieces)  # each piece is valid UTF-8 on its own
    assert b"".join(p[1:] if i else p for i, p in enumerate(pieces)).decode() == line


def test_text_is_escaped():
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


def test_calendars_parse_with_one_event_per_activity():
    content = sample_content()
    files = ical.calendars(content)
    all_events = events(files["activities.ics"])
    assert len(all_events) == 3
    assert len({e["props"]["UID"][0] for e in all_events}) == 3
    assert [e["props"]["DTSTART"][0] for e in all_events][0] == "20260515T090000"
    assert len(events(files["communities/yangguang/activities.ics"])) == 2
    assert len(events(files["communities/nongke/activities.ics"])) == 1
    single = events(files["activities/2026-05-15-yangguang/event.ics"])
    assert single[0]["props"]["LOCATION"] == ["阳光社区党群服务中心"]
    assert single[0]["props"]["DESCRIPTION"] == ["清理楼道杂物；整治绿化带 组织：阳光社区党委"]


def test_dtstamp_comes_from_content_not_the_clock():
    content = sample_content()
    first = ical.calendars(content)["activities.ics"]
    assert b"DTSTAMP:20260101T000000Z" in first
    assert first == ical.calendars(sample_content())["activities.ics"]


def test_atom_feed_parses_with_absolute_links():
    content = sample_content()
    root = ET.fromstring(feeds.atom(content))
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 12
    assert entries[0].find(f"{ATOM}title").text == "典型案例第12篇"
    link = entries[0].find(f"{ATOM}link").get("href")
    assert link == "https://sansong.example.cn/stories/story-12/"
    assert entries[0].find(f"{ATOM}content").text.startswith("<p>正文12 &amp; 更多")
    assert root.find(f"{ATOM}updated").text == "2026-03-13T00:00:00+08:00"


def test_sitemap_lists_sitemap_pages_only_percent_encoded():
    content = sample_content(base_url="https://www.example.cn/sansong/")
    all_pages = pages.collect(content, None, TODAY)
    root = ET.fromstring(feeds.sitemap(content, all_pages))
    locs = [u.find(f"{SITEMAP}loc").text for u in root]
    assert "https://www.example.cn/sansong/" in locs
    assert "https://www.example.cn/sansong/404.html" not in locs
    assert "https://www.example.cn/sansong/stories/tag/%E4%BA%94%E7%82%B9%E5%8D%8A%E8%AF%BE%E5%A0%82/" in locs
    assert len(locs) == len([p for p in all_pages if p.in_sitemap])


def test_robots_names_the_sitemap_and_disallows_nothing():
    text = feeds.robots(sample_content()).decode()
    assert "Sitemap: https://sansong.example.cn/sitemap.xml" in text
    assert "Disallow:\n" in text and "Disallow: /" not in text


def test_outputs_are_deterministic():
    content = sample_content()
    all_pages = pages.collect(content, None, TODAY)
    assert feeds.outputs(content, all_pages, TODAY) == feeds.outputs(sample_content(), all_pages, dt.date(2026, 11, 28))


def test_outputs_include_the_search_index_in_pieces():
    files = feeds.outputs(sample_content(), pages.collect(sample_content(), None, TODAY), TODAY)
    assert "search/index.json" in files and "search.json" not in files  # search.py; tests/test_search.py
    assert any(path.startswith("search/i/") for path in files) and any(path.startswith("search/f/") for path in files)
