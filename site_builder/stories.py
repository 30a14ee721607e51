"""Stories: stories/<slug>.md read into model.Story (front matter fields, rendered body, images, links).

The Markdown and its rules (sanitising, images, base-path links) are in markup.py.
"""

from __future__ import annotations

from pathlib import Path

from site_builder.errors import Problem
from site_builder.fields import SLUG, Fields
from site_builder.markup import Renderer, read_document
from site_builder.model import Image, NamedMember, Story


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


def load_stories(paths: list[Path], shown: list[str], content_root: Path, base_path: str) -> tuple[list[Story | None], list[Problem]]:
    """Load several stories with one renderer; runs in a worker process for large sites."""
    renderer = Renderer(content_root, base_path)
    problems: list[Problem] = []
    return [load_story(path, name, renderer, problems) for path, name in zip(paths, shown)], problems
