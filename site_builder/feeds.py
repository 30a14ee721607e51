"""Atom, iCalendar, sitemap.xml and robots.txt (owner: rendering stage).

Pure functions of the content, the page list and the build day: no clock, sorted iteration, so two
builds of the same input give the same bytes. Absolute URLs come from site.base_url.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from site_builder import ical, render, rules, search
from site_builder.model import Content, Story

def escape(data: str) -> str:
    """xml.sax.saxutils.escape, without importing it (it imports urllib.request: a slower start)."""
    return data.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


def quoteattr(data: str) -> str:
    """xml.sax.saxutils.quoteattr, likewise."""
    data = escape(data).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in data:
        return f'"{data}"'
    if "'" not in data:
        return f"'{data}'"
    return '"{}"'.format(data.replace('"', "&quot;"))


FEED_ENTRIES = 50  # newest stories in the Atom feed; the site keeps every story
CST = rules.UTC_OFFSET


def outputs(content: Content, pages, today: dt.date) -> dict[str, bytes]:
    """feed.xml, sitemap.xml, robots.txt, the iCalendar files (ical.py) and the search index (search.py)."""
    files = {
        "feed.xml": atom(content),
        "sitemap.xml": sitemap(content, pages),
        "robots.txt": robots(content),
    }
    files.update(ical.calendars(content))
    files.update(search.outputs(content, today))
    return files


def absolute(content: Content, path: str) -> str:
    return render.absolute(content.site, path)


def rfc3339(day: dt.date) -> str:
    return f"{day.isoformat()}T00:00:00{CST}"


def newest(content: Content) -> list[Story]:
    """The stories the feed shows: the newest FEED_ENTRIES published ones (a --drafts build's drafts never)."""
    return [s for s in rules.newest_first(content.stories.values()) if not s.preview][:FEED_ENTRIES]


def atom(content: Content) -> bytes:
    site = content.site
    stories = newest(content)
    bodies = content.bodies(stories)
    updated = max((s.publish_date or s.date for s in stories), default=dt.date(site.year, 1, 1))
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{escape(site.language)}">',
        f"  <title>{escape(site.title)} · 典型案例</title>",
        f"  <subtitle>{escape(site.description or site.subtitle)}</subtitle>",
        f"  <link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(absolute(content, '/feed.xml'))}/>",
        f"  <link rel=\"alternate\" type=\"text/html\" href={quoteattr(absolute(content, '/stories/'))}/>",
        f"  <id>{escape(absolute(content, '/'))}</id>",
        f"  <updated>{rfc3339(updated)}</updated>",
        f"  <author><name>{escape(site.district)} · {escape(site.title)}</name></author>",
    ]
    lines += [atom_entry(content, s, bodies[s.slug]) for s in stories]
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def atom_entry(content: Content, story: Story, body_html: str) -> str:
    link = absolute(content, f"/stories/{story.slug}/")
    categories = "".join(f"\n    <category term={quoteattr(t)}/>" for t in story.tags)
    return (f"  <entry>\n    <title>{escape(story.title)}</title>\n"
            f"    <link rel=\"alternate\" type=\"text/html\" href={quoteattr(link)}/>\n"
            f"    <id>{escape(link)}</id>\n"
            f"    <published>{rfc3339(story.date)}</published>\n"
            f"    <updated>{rfc3339(story.publish_date or story.date)}</updated>\n"
            f"    <summary>{escape(story.summary)}</summary>\n"
            f"    <content type=\"html\">{escape(body_html)}</content>{categories}\n  </entry>")


def sitemap(content: Content, pages: Iterable) -> bytes:
    urls = sorted({absolute(content, p.url) for p in pages if p.in_sitemap})
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines += [f"  <url><loc>{escape(u)}</loc></url>" for u in urls]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(content: Content) -> bytes:
    return (f"User-agent: *\nDisallow:\n\nSitemap: {absolute(content, '/sitemap.xml')}\n").encode("utf-8")
