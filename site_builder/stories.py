"""Stories: stories/<slug>.md read into model.Story (front matter fields, rendered body, images, links).

The Markdown and its rules (sanitising, images, base-path links) are in markup.py. Stories are loaded
through the build cache: a story whose file, images and base path are unchanged is taken from it (its
fields at once, its body only when a page needs it, see Content.body), the rest are rendered, in the
build's worker processes when there are many. Stories with problems are never cached, so a problem is
reported again until it is fixed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from site_builder.cache import Cache, digest_bytes, digest_text
from site_builder.errors import Problem
from site_builder.fields import SLUG, Fields
from site_builder.markup import Renderer, read_document
from site_builder.model import Image, NamedMember, Story
from site_builder.pool import Pool
from site_builder.progress import Progress
from site_builder.privacy import EXPECTED, personal_numbers

# From this many stories to render on, Markdown is rendered in worker processes (below it, start-up costs more).
PARALLEL_FROM = 300
STORY_KIND, BODY_KIND = "story", "body"  # cache kinds: a story's fields (by story key), its body (by digest)


@dataclass(frozen=True)
class Cached:
    """What the cache keeps of a story: its fields without the texts, and the images it was made with."""

    story: Story
    images: tuple[tuple[str, str], ...]  # (Image.src, digest of the image file)


def load_story(path: Path, shown: str, renderer: Renderer, problems: list[Problem],
               data: bytes | None = None) -> Story | None:
    """One stories/<slug>.md (`data`: its bytes, if read); None if it cannot be read at all (the problems say why)."""
    document = read_document(path, shown, problems, data)
    if document is None or document.front is None:
        return None
    slug = path.stem
    f = Fields(document.front, shown, f"典型案例 {slug}", problems)
    if not SLUG.match(slug):
        f.problem(None, f"文件名 “{path.name}” 不合要求（文件名会成为这篇案例的网址）",
                  "只用小写英文字母、数字和连字符的文件名，例如 2026-03-12-dengguang.md")
    title, date = f.text("title", required=True), f.date("date", required=True)
    summary = f.text("summary", required=True)
    community, team = f.slug("community", required=False) or None, f.slug("team", required=False) or None
    tags, draft, publish_date = f.texts("tags"), f.flag("draft"), f.date("publish_date")
    cover = _cover(f, path, shown, renderer, problems)
    members = _members(f, shown, slug, problems)
    _privacy(f, slug, {"title": title, "summary": summary}, members, document.body, document.body_line)
    f.finish()
    body = renderer.render(document.body, path.parent, shown, document.body_line, problems)
    if date is None:
        return None
    return Story(
        slug=slug, title=title, date=date, summary=summary, body_html=body.html,
        community=community, team=team, tags=tags, cover=cover,
        images=tuple(_unique(([cover] if cover else []) + body.images)),
        draft=draft, publish_date=publish_date, members=members, links=tuple(body.links),
        source=f"stories/{path.name}", line=1,
    )


def _privacy(f: Fields, slug: str, fields: dict[str, str], members: tuple[NamedMember, ...], body: str,
             body_line: int) -> None:
    """No mobile phone or ID number in a story's title, summary, members' deeds or text."""
    label = f"典型案例 {slug}"
    for key, text in fields.items():
        for number, what in personal_numbers(text):
            f.problem(key, f"字段 {key} 中有{what}（{number[:3]}…）", EXPECTED)
    for member in members:
        for number, what in personal_numbers(member.deeds):
            f.problem("members", f"党员 {member.name}：字段 members 中有{what}（{number[:3]}…）", EXPECTED)
    for number, what in personal_numbers(body):
        line = body_line + next((i for i, text in enumerate(body.split("\n")) if number in text), 0)
        f.problems.append(Problem(f.shown, line, f"{label}：正文中有{what}（{number[:3]}…）", EXPECTED))


def _cover(f: Fields, path: Path, shown: str, renderer: Renderer, problems: list[Problem]) -> Image | None:
    src = f.text("cover")
    return renderer.image(src, path.parent, shown, f.line("cover"), problems) if src else None


def _members(f: Fields, shown: str, slug: str, problems: list[Problem]) -> tuple[NamedMember, ...]:
    members = []
    for entry in f.mappings("members"):
        name = entry.get("name") if isinstance(entry.get("name"), str) else "?"
        m = Fields(entry, shown, f"典型案例 {slug}：党员 {name}", problems)
        name, department = m.text("name", required=True), m.code("department", r"D\d{2}", "部门编码，例如 D03")
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


def load_all(paths: list[Path], shown: Callable[[Path], str], renderer: Renderer, cache: Cache | None = None,
             pool: Pool | None = None,
             progress: Progress | None = None) -> tuple[list[Story | None], list[Problem], dict[str, str]]:
    """Every story file, in the order given (`shown(path)`: how problems name it): unchanged ones from the
    cache, the others rendered (in the build's worker processes when there are many) and cached when they
    have no problem. A file whose digest the cache does not know is read once, by whoever renders it.

    Stories come without their bodies (body_html ""): those rendered now are returned apart, by story
    digest; the others stay in the cache until Content.body asks (cache.Bodies serves both)."""
    cache = cache or Cache.none()
    digests = [cache.known_digest(str(path)) for path in paths]
    keys = [story_key(d, renderer.base_path) if d else "" for d in digests]
    known = cache.get_many(STORY_KIND, [k for k in keys if k])
    results: list[Story | None] = [None] * len(paths)
    todo: list[int] = []
    for i, key in enumerate(keys):
        entry = known.get(key) if key else None
        digest = _digest_if_current(key, entry, renderer.content_root, cache) if entry is not None else None
        if entry is not None and digest:  # the same file and images: the story as cached, digest included
            results[i] = entry.story if entry.story.digest == digest else replace(entry.story, digest=digest)
            cache.mark(BODY_KIND, [digest])
        else:
            todo.append(i)
    problems: list[Problem] = []
    bodies: dict[str, str] = {}
    pool = pool or Pool(1)
    progress = (progress or Progress.quiet()).start("读取典型案例", len(todo))
    waiting = iter(todo)
    # chunk by chunk as the workers finish them: this process records and caches the first stories
    # while the workers read the rest
    for loaded in pool.chunks(_load_chunk, [(paths[i], shown(paths[i])) for i in todo],
                              (renderer.content_root, renderer.base_path), min_items=PARALLEL_FROM):
        progress.advance(len(loaded))
        fresh_entries, fresh_bodies = {}, {}
        for (story, body, story_problems, file_digest), i in zip(loaded, waiting):  # loaded first: zip would
            # otherwise take one index past the chunk's end
            problems += story_problems
            if file_digest:
                cache.record_digest(str(paths[i]), file_digest)
            if story is None:
                continue
            key = story_key(file_digest, renderer.base_path)
            images = tuple((image.src, cache.file_digest(str(renderer.content_root / image.src))) for image in story.images)
            story = replace(story, digest=digest_text(key, *(d for _, d in images)))
            results[i] = story
            bodies[story.digest] = body
            if not story_problems:
                fresh_entries[key] = Cached(story, images)
                fresh_bodies[story.digest] = body
        cache.put_many(STORY_KIND, fresh_entries)
        cache.put_many(BODY_KIND, fresh_bodies)
    progress.done()
    return results, problems, bodies


def story_key(file_digest: str, base_path: str) -> str:
    """What a story's rendering depends on besides its images: its file and the base path of links."""
    return digest_text("story", file_digest, base_path)


def _digest_if_current(key: str, entry: Cached, root: Path, cache: Cache) -> str | None:
    """The story's digest when every image it was made with is unchanged, else None (render it again)."""
    digests = []
    for src, digest in entry.images:
        try:
            current = cache.file_digest(root / src)
        except OSError:
            return None
        if current != digest:
            return None
        digests.append(digest)
    return digest_text(key, *digests)


Loaded = tuple[Story | None, str, list[Problem], str]  # the story without its body, the body, problems, file digest


def _load_chunk(setting: tuple[Path, str], items: list[tuple[Path, str]]) -> list[Loaded]:
    """Load several stories with one renderer (in a worker process, or here for a few): each story without
    its body, the body, its problems and the digest of the bytes it was read from ("" when it could not be
    read)."""
    renderer = Renderer(*setting)  # a new one each time: it remembers image sizes
    results: list[Loaded] = []
    for path, name in items:
        problems: list[Problem] = []
        try:
            data = path.read_bytes()
        except OSError:
            problems.append(Problem(name, None, "无法读取为 UTF-8 文本", "UTF-8 编码的 Markdown 文件"))
            results.append((None, "", problems, ""))
            continue
        story = load_story(path, name, renderer, problems, data)
        body = story.body_html if story else ""
        results.append((replace(story, body_html="") if story else None, body, problems, digest_bytes(data)))
    return results
