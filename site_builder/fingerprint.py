"""Fingerprints: a digest of everything a page is rendered from, so unchanged pages are not rendered again.

A page is made from its template and every template that one extends, includes or imports (the
template's closure), the Jinja globals those templates use, the page's own fields and its context.
Globals are represented by digests of their sources (the content without stories, the build day, the
public figures, the hashed asset names); a story in a context by its digest (model.Story.digest, of its
file, images and base path), so a story list is re-rendered when one of its stories changes and not
otherwise. Templates read stories only through their page's context (render.py refuses
`content.stories`), which is what makes this complete.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Any, Callable, Mapping

import jinja2
from jinja2 import meta

from site_builder import render
from site_builder.cache import digest_file, digest_text
from site_builder.model import Story

# Jinja globals (render.environment) and what they stand for in a fingerprint.
GLOBAL_SOURCES = {"site": "content", "content": "content", "url": "content", "absolute_url": "content",
                  "tag_url": "content", "asset": "assets", "today": "today", "figures": "figures"}
TEMPLATE_SUFFIXES = (".html", ".xml", ".txt")


@dataclasses.dataclass(frozen=True)
class TemplateInputs:
    """Per template name: the digest of its closure's files and the globals the closure uses."""

    closures: dict[str, str]
    globals: dict[str, tuple[str, ...]]


Parsed = tuple[frozenset[str] | None, frozenset[str]]  # templates it uses (None: any), names it reads


def template_inputs(theme_dir: Path, known: Mapping[str, Parsed] | None = None,
                    digest: Callable[[Path], str] = digest_file) -> tuple[TemplateInputs, dict[str, Parsed]]:
    """Parse every template: what it extends, includes and imports, and which names it reads. `known`:
    what parse() found before, by the digest of a template's bytes (only a changed template is parsed
    again); `digest`: of a file's bytes (the build cache's, which reads a file only when it changed).
    Returns the inputs and what was parsed, by digest."""
    folder = Path(theme_dir) / "templates"
    files = {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
             if p.is_file() and p.suffix in TEMPLATE_SUFFIXES}
    digests = {name: digest(path) for name, path in files.items()}
    known = known or {}
    parsed = {digests[name]: known.get(digests[name]) or parse(path) for name, path in files.items()}
    uses: dict[str, set[str]] = {}
    reads: dict[str, set[str]] = {}
    for name in files:
        referenced, read = parsed[digests[name]]
        uses[name] = set(files) if referenced is None else set(referenced)
        reads[name] = set(read)
    closures, used_globals = {}, {}
    for name in files:
        closure = _closure(name, uses)
        closures[name] = digest_text(*(f"{n}={digests.get(n, '-')}" for n in sorted(closure)))
        names = set().union(*(reads.get(n, set()) for n in closure))
        used_globals[name] = tuple(sorted({GLOBAL_SOURCES[n] for n in names if n in GLOBAL_SOURCES}))
    return TemplateInputs(closures, used_globals), parsed


def parse(path: Path) -> Parsed:
    """The templates one template uses (None: it names one by a variable, so any) and the names it reads;
    one that does not parse uses and reads everything (rendering will report it)."""
    env = _parser()
    try:
        tree = env.parse(path.read_text(encoding="utf-8"))
    except (jinja2.TemplateError, UnicodeDecodeError):
        return None, frozenset(GLOBAL_SOURCES)
    referenced = set(meta.find_referenced_templates(tree))
    return (None if None in referenced else frozenset(r for r in referenced if r)), frozenset(meta.find_undeclared_variables(tree))


@functools.lru_cache(maxsize=1)
def _parser() -> jinja2.Environment:
    env = jinja2.Environment()
    env.filters.update(dict.fromkeys(render.filters(None), str))  # names only: nothing is rendered here
    return env


def _closure(name: str, uses: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo += uses.get(current, ())
    return seen


def pages(all_pages: list, templates: TemplateInputs, sources: dict[str, str]) -> dict[str, str]:
    """output path -> fingerprint of every page, given the digests of the global sources."""
    memo: dict[int, str] = {}
    prefixes: dict[str, str] = {}
    found = {}
    for p in all_pages:
        prefix = prefixes.get(p.template)
        if prefix is None:
            prefix = prefixes[p.template] = _prefix(p.template, templates, sources)
        meta = repr((p.url, p.template, p.title, p.description, p.in_sitemap, p.precache))
        found[p.output_path] = hashlib.blake2b(f"{prefix}\0{meta}\0{key(p.context, memo)}".encode("utf-8", "surrogatepass"),
                                               digest_size=16).hexdigest()
    return found


def page(page: Any, templates: TemplateInputs, sources: dict[str, str]) -> str:
    """The fingerprint of one page (pages.Page)."""
    return pages([page], templates, sources)[page.output_path]


def _prefix(template: str, templates: TemplateInputs, sources: dict[str, str]) -> str:
    """What every page of a template shares: its closure's files and the sources of the globals it uses."""
    closure = templates.closures.get(template, "missing:" + template)
    used = templates.globals.get(template, tuple(sorted(set(GLOBAL_SOURCES.values()))))
    return digest_text(closure, *(f"{source}={sources[source]}" for source in used))


_FIELDS: dict[type, tuple[str, ...]] = {}


def key(value: Any, memo: dict[int, str]) -> str:
    """A string that is equal for equal values (as far as rendering can tell); big shared values once.

    `memo` maps id() of lists, tuples and model objects already seen in this build to their key: the
    same list of stories or the same community is described once, however many pages show it, and a
    long key is kept as its digest (LONG_KEY). Only
    pass values that stay alive while the memo is used (an id is reused once its object is freed).
    """
    kind = type(value)
    if kind is str:
        return repr(value)
    if value is None or kind in (int, float, bool):
        return repr(value)
    if kind is Story:
        if not value.digest:
            return _object_key(value, memo)
        return "S" + value.digest + ("~preview" if value.preview else "")
    if kind in (dt.date, dt.datetime, dt.time):
        return f"{kind.__name__}:{value.isoformat()}"
    found = memo.get(id(value))
    if found is not None:
        return found
    if kind in (list, tuple):
        result = "[" + ",".join(key(item, memo) for item in value) + "]"
    elif kind is dict:
        result = "{" + ",".join(key(k, memo) + ":" + key(v, memo) for k, v in value.items()) + "}"
    elif kind in (set, frozenset):
        result = "{" + ",".join(sorted(key(item, memo) for item in value)) + "}"
    else:
        result = _object_key(value, memo)
    if len(result) > LONG_KEY:  # stands for the value in the keys of the values holding it, instead of a copy
        result = "#" + hashlib.blake2b(result.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    memo[id(value)] = result
    return result


# A key longer than this is replaced by its digest. A list of 1,001 page URLs shared by the 1,001 pages of
# the story list is then one digest in each page's key, not 25 KB copied into each (memory and time).
LONG_KEY = 100


def _object_key(value: Any, memo: dict[int, str]) -> str:
    kind = type(value)
    if dataclasses.is_dataclass(value):
        names = _FIELDS.get(kind)
        if names is None:
            names = _FIELDS[kind] = tuple(f.name for f in dataclasses.fields(value))
        return kind.__name__ + "(" + ",".join(key(getattr(value, n), memo) for n in names) + ")"
    return kind.__name__ + ":" + repr(value)  # an unknown value: its repr (an unstable repr only costs a render)
