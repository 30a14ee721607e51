"""Atom, iCalendar, sitemap.xml and robots.txt (owner: rendering stage). STUB: being written."""

from __future__ import annotations


def outputs(content, pages, today) -> dict[str, bytes]:
    return {}
