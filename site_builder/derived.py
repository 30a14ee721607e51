"""Outputs that are not rendered pages, in groups that each know what they are made from (owner: build).

A group (the Atom feed, the sitemap, the calendars, the search index, the app's catalogue and manifest,
the theme's files) has a fingerprint of its inputs and a function that produces its files. When the
fingerprint is the one the last build recorded and its files are still in place, the build keeps them
without producing anything. Story and team images are published in a few widths (images.py), each
image's files fingerprinted by the digest of its source; build.py keeps the encoded files in the cache. The service worker is not here: it is made last, from every output's digest
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
from site_builder.images import upright_size
from site_builder.model import Content, Image


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
class Picture:
    """A story or team image and the files the site publishes for it (images.py)."""

    src: str  # the path under content/, also the output path of its largest published width
    source: Path
    fingerprint: str  # digest of the image's path and bytes ("" when it cannot be read)
    names: tuple[str, ...]  # every output path, smallest width first


def groups(content: Content, pages: list, assets: Assets, today: dt.date, sources: dict[str, str],
           cache: Cache | None = None) -> list[Group]:
    """Every group of the site; `sources` are the digests of the content, assets, day (fingerprint.py).
    The search index keeps its memo (terms per story, postings per block) in the build cache."""
    rest, stories = sources["content"], [s.digest for s in content.stories.values()]
    newest = [s.digest for s in feeds.newest(content)]
    sitemap_urls = sorted(p.url for p in pages if p.in_sitemap)
    return [
        Group("assets", sources["assets"], lambda: dict(assets.outputs)),
        Group("feed", feed_fingerprint(rest, newest), lambda: {"feed.xml": feeds.atom(content)}),
        Group("sitemap", digest_text(rest, *sitemap_urls), lambda: {"sitemap.xml": feeds.sitemap(content, pages)}),
        Group("robots", rest, lambda: {"robots.txt": feeds.robots(content)}),
        Group("calendars", rest, lambda: ical.calendars(content)),
        Group("search", search_fingerprint(rest, today, stories), lambda: search_outputs(content, today, cache),
              linked=False),
        Group("app", digest_text(rest, sources["assets"]), lambda: app.files_of(content, assets)),
    ]


def feed_fingerprint(rest: str, newest: list[str]) -> str:
    """The feed's: the content without stories and the digests of the stories it shows (feeds.newest)."""
    return digest_text(rest, *newest)


def search_fingerprint(rest: str, today: dt.date, stories: list[str]) -> str:
    """The search index's: the content without stories, the day, every story's digest (newest first)."""
    return digest_text(rest, today.isoformat(), "\0".join(stories))  # hex digests: one string, one update


def search_outputs(content: Content, today: dt.date, cache: Cache | None) -> dict[str, bytes]:
    if cache is None or not cache.enabled:
        return search.outputs(content, today)
    memo = Memo(cache, "search", keep=lambda key: key.startswith(search.BLOCK_PREFIX))  # a block's terms are few
    files = search.outputs(content, today, memo)
    memo.flush()
    return files


def pictures(content: Content, cache: Cache) -> list[Picture]:
    """Story images, and images that team pages show, with the names they are published under (sorted by src).
    A story's images know their size; an image only a team page shows has its header read for it."""
    root = Path(content.root)
    known = {image.src: image for story in content.stories.values() for image in story.images}
    sources = set(known)
    prefix = re.escape(content.site.base_path)
    for team in content.teams.values():
        sources |= {unquote(src) for src in re.findall(f'<img [^>]*src="{prefix}(stories/[^"]+)"', team.body_html)}
    found = []
    for src in sorted(sources):
        try:
            fingerprint = digest_text("image", src, cache.file_digest(root / src))
            image = known.get(src) or _image_of(root / src, src)
        except OSError:
            found.append(Picture(src, root / src, "", (src,)))  # reported when it is published
            continue
        found.append(Picture(src, root / src, fingerprint, tuple(name for name, _w, _h in image.variants)))
    return found


def _image_of(path: Path, src: str) -> Image:
    from PIL import Image as Pillow, UnidentifiedImageError

    try:
        with Pillow.open(path) as picture:
            return Image(src, *upright_size(picture))
    except (UnidentifiedImageError, ValueError) as error:
        raise OSError(str(error)) from None
