"""Outputs that are not rendered pages, in groups that each know what they are made from (owner: build).

A group (the Atom feed, the sitemap, the calendars, the search index, the app's catalogue and manifest,
the theme's files) has a fingerprint of its inputs and a function that produces its files. When the
fingerprint is the one the last build recorded and its files are still in place, the build keeps them
without producing anything. Story and team images are copies of input files, each fingerprinted by the
digest of its source. The service worker is not here: it is made last, from every output's digest
(app.service_worker).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import unquote

from site_builder import app, feeds, ical, search
from site_builder.assets import Assets
from site_builder.cache import Cache, Memo, digest_text
from site_builder.model import Content


@dataclass
class Group:
    name: str
    fingerprint: str
    produce: Callable[[], dict[str, bytes]]
    linked: bool = True  # pages link to its files (False: only scripts fetch them, by names they are given)

    @property
    def tag(self) -> str:
        """What the build cache records as the fingerprint of each of the group's files."""
        return f"group:{self.name}:{self.fingerprint}"


@dataclass(frozen=True)
class Copy:
    name: str  # output path, the same as the path under content/
    source: Path
    fingerprint: str  # digest of the source file


def groups(content: Content, pages: list, assets: Assets, today: dt.date, sources: dict[str, str],
           cache: Cache | None = None) -> list[Group]:
    """Every group of the site; `sources` are the digests of the content, assets, day (fingerprint.py).
    The search index keeps its memo (terms per story, postings per block) in the build cache."""
    rest, stories = sources["content"], [s.digest for s in content.stories.values()]
    newest = [s.digest for s in feeds.newest(content)]
    sitemap_urls = sorted(p.url for p in pages if p.in_sitemap)
    return [
        Group("assets", sources["assets"], lambda: dict(assets.outputs)),
        Group("feed", digest_text(rest, *newest), lambda: {"feed.xml": feeds.atom(content)}),
        Group("sitemap", digest_text(rest, *sitemap_urls), lambda: {"sitemap.xml": feeds.sitemap(content, pages)}),
        Group("robots", rest, lambda: {"robots.txt": feeds.robots(content)}),
        Group("calendars", rest, lambda: ical.calendars(content)),
        Group("search", digest_text(rest, today.isoformat(), *stories), lambda: search_outputs(content, today, cache),
              linked=False),
        Group("app", digest_text(rest, sources["assets"]), lambda: app.files_of(content, assets)),
    ]


def search_outputs(content: Content, today: dt.date, cache: Cache | None) -> dict[str, bytes]:
    if cache is None or not cache.enabled:
        return search.outputs(content, today)
    memo = Memo(cache, "search", keep=lambda key: key.startswith(search.BLOCK_PREFIX))  # a block's terms are few
    files = search.outputs(content, today, memo)
    memo.flush()
    return files


def copies(content: Content, cache: Cache) -> list[Copy]:
    """Story images, and images that team pages show, as copies of their files (sorted by name)."""
    root = Path(content.root)
    sources = {image.src for story in content.stories.values() for image in story.images}
    prefix = re.escape(content.site.base_path)
    for team in content.teams.values():
        sources |= {unquote(src) for src in re.findall(f'<img [^>]*src="{prefix}(stories/[^"]+)"', team.body_html)}
    found = []
    for src in sorted(sources):
        try:
            found.append(Copy(src, root / src, cache.file_digest(root / src)))
        except OSError:
            found.append(Copy(src, root / src, ""))  # reported when it is copied
    return found
