"""Stories: stories/<slug>.md read into model.Story (front matter fields, rendered body, images, links).

The Markdown and its rules (sanitising, images, base-path links) are in markup.py. Many stories are
rendered in worker processes; stories that loaded cleanly are kept in memory and reused while their
file and images are unchanged, so the dev server's rebuilds of a large site stay fast.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from site_builder.errors import Problem
from site_builder.fields import SLUG, Fields
from site_builder.markup import Renderer, read_document
from site_builder.model import Image, NamedMember, Story

# From this many stories to render on, Markdown is rendered in worker processes (below it, start-up costs more).
PARALLEL_FROM = 300


def load_story(path: Path, shown: str, renderer: Renderer, problems: list[Problem]) -> Story | None:
    """One stories/<slug>.md; None if it cannot be read at all (the problems say why)."""
    document = read_document(path, shown, problems)
    if document is None:
        return None
    slug = path.stem
    f = Fields(document.front, shown, f"story '{slug}'", problems)
    if not SLUG.match(slug):
        f.problem(None, f"file name '{path.name}' is not a slug (it becomes the story's address)",
                  "lower-case ASCII letters, digits and hyphens, such as 2026-03-12-dengguang.md")
    title, date = f.text("title", required=True), f.date("date", required=True)
    summary = f.text("summary", required=True)
    community, team = f.slug("community", required=False) or None, f.slug("team", required=False) or None
    tags, draft, publish_date = f.texts("tags"), f.flag("draft"), f.date("publish_date")
    cover = _cover(f, path, shown, renderer, problems)
    members = _members(f, shown, slug, problems)
    f.finish()
    body = renderer.render(document.body, path.parent, shown, document.body_line, problems)
    if date is None:
        return None
    return Story(
        slug=slug, title=title, date=date, summary=summary, body_markdown=document.body, body_html=body.html,
        community=community, team=team, tags=tags, cover=cover,
        images=tuple(_unique(([cover] if cover else []) + body.images)),
        draft=draft, publish_date=publish_date, members=members, links=tuple(body.links),
        source=f"stories/{path.name}", line=1,
    )


def _cover(f: Fields, path: Path, shown: str, renderer: Renderer, problems: list[Problem]) -> Image | None:
    src = f.text("cover")
    return renderer.image(src, path.parent, shown, f.line("cover"), problems) if src else None


def _members(f: Fields, shown: str, slug: str, problems: list[Problem]) -> tuple[NamedMember, ...]:
    members = []
    for entry in f.mappings("members"):
        name = entry.get("name") if isinstance(entry.get("name"), str) else "?"
        m = Fields(entry, shown, f"story '{slug}': member {name}", problems)
        name, department = m.text("name", required=True), m.code("department", r"D\d{2}", "a department code such as D03")
        consent = m.date("consent", required=True)
        deeds = m.text("deeds")
        m.finish()
        if name and consent:
            members.append(NamedMember(name=name, department=department, consent=consent, deeds=deeds))
    return tuple(members)


def _unique(images: list[Image]) -> list[Image]:
    seen: list[Image] = []
    for image in images:
        if image not in seen:
            seen.append(image)
    return seen


def load_all(paths: list[Path], shown: list[str], renderer: Renderer) -> tuple[list[Story | None], list[Problem]]:
    """Every story file, in the order given: unchanged ones from the cache, the rest rendered (in worker
    processes when there are many)."""
    keys = [path.resolve() for path in paths]
    results: list[Story | None] = [CACHE.get(key, renderer.base_path) for key in keys]
    todo = [i for i, story in enumerate(results) if story is None]
    if len(todo) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        fresh = _load_in_parallel([paths[i] for i in todo], [shown[i] for i in todo], renderer)
    else:
        fresh = [_load_one(paths[i], shown[i], renderer) for i in todo]
    problems: list[Problem] = []
    for i, (story, story_problems) in zip(todo, fresh):
        results[i] = story
        problems += story_problems
        if story is not None and not story_problems:
            CACHE.put(keys[i], renderer.base_path, story, renderer.content_root)
    return results, problems


def _load_one(path: Path, shown: str, renderer: Renderer) -> tuple[Story | None, list[Problem]]:
    problems: list[Problem] = []
    return load_story(path, shown, renderer, problems), problems


def _load_chunk(paths: list[Path], shown: list[str], content_root: Path, base_path: str) -> list[tuple[Story | None, list[Problem]]]:
    """Load several stories with one renderer, in a worker process."""
    renderer = Renderer(content_root, base_path)
    return [_load_one(path, name, renderer) for path, name in zip(paths, shown)]


def _load_in_parallel(paths: list[Path], shown: list[str], renderer: Renderer) -> list[tuple[Story | None, list[Problem]]]:
    """Markdown rendering dominates large sites: split the stories over worker processes, keeping order.

    "spawn" rather than fork: the dev server builds from a process with running threads.
    """
    workers = min(os.cpu_count() or 1, 8)
    size = -(-len(paths) // (workers * 4))
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_load_chunk, paths[i:i + size], shown[i:i + size], renderer.content_root,
                               renderer.base_path) for i in range(0, len(paths), size)]
        return [result for future in futures for result in future.result()]


class StoryCache:
    """Stories that loaded without a problem, kept in memory between builds (the dev server's rebuilds).

    An entry is used only while the story file and every image it uses are unchanged (same size and
    modification time) and the base path is the same. Stories with problems are never cached, so a
    problem is reported again until it is fixed.
    """

    def __init__(self) -> None:
        self.entries: dict[tuple[Path, str], tuple[tuple[int, int, int], Story, tuple[tuple[Path, tuple[int, int, int]], ...]]] = {}

    def get(self, path: Path, base_path: str) -> Story | None:
        entry = self.entries.get((path, base_path))
        if entry is None:
            return None
        stamp, story, images = entry
        if _stamp(path) != stamp or any(_stamp(image) != image_stamp for image, image_stamp in images):
            del self.entries[(path, base_path)]
            return None
        return story

    def put(self, path: Path, base_path: str, story: Story, root: Path) -> None:
        """Keep a story loaded from `path` (absolute) with images under the content folder `root`."""
        images = tuple((root / image.src, _stamp(root / image.src)) for image in story.images)
        self.entries[(path, base_path)] = (_stamp(path), story, images)


def _stamp(path: Path) -> tuple[int, int, int]:
    """What changes when a file is edited or replaced."""
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1, -1)
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


CACHE = StoryCache()
