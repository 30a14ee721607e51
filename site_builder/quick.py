"""The quick edit: a rebuild after only story bodies changed, without loading the whole site (owner: build).

At 10,000 stories a fresh `site-builder build` after one story was edited spent two seconds on the
whole site (every story loaded, every page collected and fingerprinted, the search index remade) to
write a dozen files. When the only inputs changed since the last build are story files whose front
matter is unchanged, what can change is known and small:

- the story's own page (its body);
- the search index: the shards holding the terms its text gained or lost, and the manifest naming
  them (searchpatch.py); its fragments show the summary and tags only;
- the Atom feed, when the story is one of its entries (an entry carries the body);
- the service worker, whose precache list carries the search manifest's revision.

Story lists, the home page, community, team, tag and honour pages, the sitemap and the search fragments
show a story's front matter only (title, date, summary, tags, cover, members), never its body: they are
kept. (Their recorded fingerprints still name the story's old digest, so the next full build renders
them once more, to the same bytes.)

`attempt()` proves the case before doing anything and returns None whenever it cannot; the build then
goes on as before. It is not taken when any other input changed (a template, a YAML file, an image, a
story added, removed or renamed), nor the options, the day, the ledger or site-builder itself; when an
output is not as the last build wrote it; when a story's front matter or the images its body shows
changed; when the last build failed or left nothing recorded; and when an edited story has any problem
at all (a phone number, a link to a page that does not exist, a broken image…): the full build reports
it, file and line, as a build without the cache would. `remember()`, called by every full build, keeps
what the quick edit needs (`Known`) in the build cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from site_builder.cache import Bodies, Cache, Untrusted, Written

if TYPE_CHECKING:
    from site_builder.build import Inputs, Options, Summary
    from site_builder.model import Content, Story

KIND = "quick"  # cache kind: Known, by the fingerprint of the full build it describes
# cache kind: (the full build's fingerprint, slug -> digest of the stories quick edits changed since), by the
# fingerprint of the last build: a quick edit writes this small value, not Known again
EDITS_KIND = "quick-edits"
PAGES_KIND = "quick-pages"  # cache kind: the page URLs of a full build (read only when a story gains a link)
STORIES = "stories"


@dataclass(frozen=True)
class Known:
    """What the last build was made from, as the quick edit needs it."""

    inputs: str  # the fingerprint of that full build
    rest: str  # Content.digest: the content without stories, kept in the cache under that key
    sources: dict[str, str]  # the digests page fingerprints are made with (fingerprint.pages)
    assets: dict[str, str]  # theme file -> hashed output name
    stories: dict[str, str]  # slug -> digest of every story the site shows, newest first
    previews: frozenset[str]  # slugs shown as previews (a --drafts build)
    ranks: dict[str, int]  # slug -> place among the stories oldest first (search.story_order)
    feed: tuple[str, ...]  # slugs of the feed's entries, in order (feeds.newest)
    precache: dict[str, str]  # output path -> URL of the service worker's precache list (app.precache_paths)
    pages: str  # key of the page URLs (PAGES_KIND): the full build that collected them


def remember(cache: Cache, inputs: str, site_content: "Content", all_pages: list, sources: dict[str, str],
             theme_assets: Any, written: dict[str, Written]) -> None:
    """Keep what the quick edit needs after a full build (nothing without a cache)."""
    if not cache.enabled:
        return
    from site_builder import app, feeds, search

    shown = site_content.stories.values()
    digests = {path: w.digest for path, w in written.items()}
    known = Known(inputs=inputs, rest=site_content.digest, sources=dict(sources), assets=dict(theme_assets.names),
                  stories={s.slug: s.digest for s in shown}, previews=frozenset(s.slug for s in shown if s.preview),
                  ranks={s.slug: i for i, s in enumerate(search.story_order(site_content))},
                  feed=tuple(s.slug for s in feeds.newest(site_content)),
                  precache=app.precache_paths(all_pages, digests, theme_assets, site_content.site.base_path),
                  pages=inputs)
    cache.put(KIND, inputs, known)
    cache.keep_only(KIND, [inputs])
    cache.put(EDITS_KIND, inputs, (inputs, {}))
    cache.keep_only(EDITS_KIND, [inputs])
    cache.put(PAGES_KIND, inputs, sorted(p.url for p in all_pages))
    cache.keep_only(PAGES_KIND, [inputs])


class _Unsure(Exception):
    """The quick edit cannot prove its result would be a full build's: the build goes on as usual."""


def attempt(options: "Options", cache: Cache, previous: dict[str, Written], intact: dict[str, Written],
            read: "Inputs", inputs: str, today: dt.date, ledger: Path) -> "Summary | None":
    """The quick edit, when the only inputs changed since the last build are story bodies; else None.

    `previous`: the last build's outputs; `intact`: those still in place; `read`: what this build read
    (build._inputs, which noted the files whose bytes changed: Cache.rehashed), `inputs` its digest()."""
    changed = dict(cache.rehashed)
    last = cache.last_build()
    if not (cache.enabled and last and changed and previous and len(intact) == len(previous)):
        return None
    stories_dir = os.path.join(os.path.abspath(options.content_dir), STORIES)
    if any(old is None or not _story_file(path, stories_dir) for path, old in changed.items()):
        return None
    # the fingerprint of these very inputs with the changed files as they were: the last build's, or
    # something else changed too (a file added or removed, an option, the day, the ledger)
    if read.digest(changed) != last:
        return None
    since = cache.get(EDITS_KIND, last)
    if not (isinstance(since, tuple) and len(since) == 2):
        return None
    known = cache.get(KIND, since[0])
    if not isinstance(known, Known) or known.inputs != since[0]:
        return None
    known = replace(known, stories={**known.stories, **since[1]})
    try:
        return _Edit(options, cache, previous, known, today, ledger).run(changed, inputs, since)  # type: ignore[arg-type]
    except _Unsure:
        return None


def _story_file(path: str, stories_dir: str) -> bool:
    """A story file as content.load reads them: stories/<name>.md, not hidden or set aside with "_"."""
    folder, name = os.path.split(path)
    return folder == stories_dir and name.endswith(".md") and not name.startswith((".", "_"))


class _Edit:
    """One quick edit: stories changed, outputs staged, then put in place and recorded."""

    def __init__(self, options: "Options", cache: Cache, previous: dict[str, Written], known: Known,
                 today: dt.date, ledger: Path):
        self.options, self.cache, self.previous, self.known, self.today = options, cache, previous, known, today
        self.ledger = ledger
        self.out = os.path.abspath(options.out_dir) + os.sep
        self.files: dict[str, bytes] = {}  # outputs made again, other than the story pages
        self.removed: list[str] = []

    def run(self, changed: dict[str, str], inputs: str, since: tuple[str, dict[str, str]]) -> "Summary":
        from site_builder import build, content as content_, writer

        rest = self.cache.get(content_.REST_KIND, self.known.rest)
        if rest is None or rest.digest != self.known.rest:
            raise _Unsure
        edited = self._stories(rest, changed)  # [(old digest, story with its body)] of the stories the site shows
        digests = dict(self.known.stories)
        digests.update((story.slug, story.digest) for _old, story in edited)
        retag = self._retags(digests)
        if edited:
            self._search(edited)
            self._feed(rest, edited)
        staging = writer.Staging(self.options.out_dir, complete=False)
        try:
            written = self._stage(staging, rest, edited, retag)
            self.cache.forget_build()  # until recorded, nothing recorded about the site holds
            staging.finish(self.removed)
        finally:
            staging.discard()
        self.cache.update_outputs(written, self.removed, retag, inputs)
        base, edits = since
        self.cache.put(EDITS_KIND, inputs, (base, {**edits, **{story.slug: story.digest for _old, story in edited}}))
        self.cache.keep_only(EDITS_KIND, [inputs])
        files = len(self.previous) - len(self.removed) + len(set(written) - set(self.previous))
        return build.Summary(files=files, written=len(written), removed=len(self.removed), quick=True)

    # --- the stories ------------------------------------------------------------------------------

    def _stories(self, rest: "Content", changed: dict[str, str]) -> list[tuple[str, "Story"]]:
        """Load the changed stories; each must be as before but for its body (else _Unsure)."""
        from site_builder import stories, validate
        from site_builder.markup import Renderer

        base = rest.site.base_path
        paths = sorted(changed)
        renderer = Renderer(Path(self.options.content_dir), base)
        loaded, problems, bodies = stories.load_all([Path(p) for p in paths], lambda path: f"{STORIES}/{path.name}",
                                            renderer, self.cache)
        if problems or any(story is None for story in loaded):
            raise _Unsure
        cached = self.cache.get_many(stories.STORY_KIND, [stories.story_key(changed[p], base) for p in paths])
        edited = []
        for path, story in zip(paths, loaded):
            assert story is not None
            before = cached.get(stories.story_key(changed[path], base))
            if before is None or not _only_body_changed(story, before.story):
                raise _Unsure
            old_digest = self.known.stories.get(story.slug)
            if old_digest is None:
                continue  # a story the site does not show (a draft): its body changes nothing
            gained = {target for target, _line in story.links} - {target for target, _line in before.story.links}
            if gained and validate.check_story_links(replace(rest, stories={story.slug: story}), self._page_urls()):
                raise _Unsure  # the full build reports it, as a build without the cache would
            body = Bodies(self.cache, bodies).bodies([story.digest])[story.digest]
            edited.append((old_digest, replace(story, body_html=body, preview=story.slug in self.known.previews)))
        return edited

    def _page_urls(self) -> set[str]:
        urls = self.cache.get(PAGES_KIND, self.known.pages)
        if urls is None:
            raise _Unsure
        return set(urls)

    # --- what a story's body is part of -----------------------------------------------------------

    def _recorded(self, path: str) -> Written:
        """What the last build recorded of one of its outputs."""
        found = self.previous.get(path)
        if found is None:
            raise _Unsure
        return found

    def _read(self, path: str) -> bytes:
        """An output of the last build, as it recorded it."""
        recorded = self._recorded(path)
        try:
            with open(self.out + path, "rb") as f:
                data = f.read()
        except OSError:
            raise _Unsure from None
        if hashlib.sha256(data).hexdigest() != recorded.digest:
            raise _Unsure
        return data

    def _old_bodies(self, edited: list[tuple[str, "Story"]]) -> dict[str, str]:
        try:
            return Bodies(self.cache).bodies([old for old, _story in edited])
        except Untrusted:  # not kept (bodies are looked up by digest; a missing one is no damage here)
            raise _Unsure from None

    def _search(self, edited: list[tuple[str, "Story"]]) -> None:
        from site_builder import search, searchpatch

        old_bodies = self._old_bodies(edited)
        edits = [(self.known.ranks[story.slug], search.story_terms(story, old_bodies[old]),
                  search.story_terms(story, story.body_html)) for old, story in edited]
        try:
            files, removed = searchpatch.patch(self._read, edits)
        except (searchpatch.Unpatchable, KeyError, ValueError, TypeError):
            raise _Unsure from None
        self.files.update(files)
        self.removed += removed

    def _feed(self, rest: "Content", edited: list[tuple[str, "Story"]]) -> None:
        from site_builder import feeds

        shown = [(old, story) for old, story in edited if story.slug in self.known.feed]
        if not shown:
            return
        old_bodies = self._old_bodies(shown)
        text = self._read("feed.xml").decode("utf-8")
        for old, story in shown:
            before = feeds.atom_entry(rest, story, old_bodies[old])
            if text.count(before) != 1:
                raise _Unsure
            text = text.replace(before, feeds.atom_entry(rest, story, story.body_html))
        self.files["feed.xml"] = text.encode("utf-8")

    def _stage(self, staging: Any, rest: "Content", edited: list[tuple[str, "Story"]],
               tags: dict[str, str]) -> dict[str, Written]:
        """Render the story pages and stage every changed file; what the outputs record will say of them."""
        from site_builder import app, build, fingerprint, pages, render
        from site_builder.assets import Assets

        assets = Assets(names=self.known.assets)
        names = (set(self.previous) - set(self.removed)) | set(self.files) | {app.SERVICE_WORKER}
        written: dict[str, Written] = {}
        if edited:
            templates = build.cached_templates(self.options.theme_dir, self.cache)
            todo, prints = [], {}
            for old, story in edited:
                page = pages.story_page(rest, story)
                if fingerprint.page(pages.story_page(rest, replace(story, digest=old)), templates,
                                    self.known.sources) != self._recorded(page.output_path).fingerprint:
                    raise _Unsure  # not the page the last build recorded: something is not as known
                prints[page.output_path] = fingerprint.page(page, templates, self.known.sources)
                todo.append(page)
            figures = build.cached_figures(rest, self.ledger, self.today, self.cache)
            setting = render.setting_for(rest, self.options.theme_dir, assets, self.today, figures, frozenset(names),
                                         staging.folder, build.bytecode_dir(self.options, self.cache), staging.flat)
            for r in render.render_pages(setting, todo):
                if r.problems:
                    raise _Unsure
                staging.names.add(r.path)
                written[r.path] = Written(r.digest, prints[r.path], r.size, r.mtime_ns)
        for path, data in sorted(self.files.items()):
            fingerprint_ = tags.get(self.previous[path].fingerprint) if path in self.previous else None
            written[path] = self._put(staging, path, data, fingerprint_ or self._tag_of_new(path, tags))
        outputs = {path: w.digest for path, w in self.previous.items() if path not in self.removed}
        outputs.update((path, w.digest) for path, w in written.items())
        worker = app.service_worker_for(self.known.precache, outputs, self.options.theme_dir, assets,
                                        rest.site.base_path)
        if hashlib.sha256(worker).hexdigest() != self._recorded(app.SERVICE_WORKER).digest:
            written[app.SERVICE_WORKER] = self._put(staging, app.SERVICE_WORKER, worker, "service-worker")
        return written

    def _tag_of_new(self, path: str, tags: dict[str, str]) -> str:
        """A new search shard is recorded with the search index's (new) fingerprint."""
        from site_builder import search

        if not path.startswith(search.SHARD_DIR):
            raise _Unsure
        return tags[self._recorded(search.MANIFEST).fingerprint]

    @staticmethod
    def _put(staging: Any, path: str, data: bytes, fingerprint_: str) -> Written:
        size, mtime = staging.put(path, data)
        return Written(hashlib.sha256(data).hexdigest(), fingerprint_, size, mtime)

    def _retags(self, digests: dict[str, str]) -> dict[str, str]:
        """Old -> new fingerprint of the groups a story body is part of (derived.groups), as a full build
        would record them now; the old ones must be what the last build recorded."""
        from site_builder import derived, search

        rest = self.known.sources["content"]
        old_search = derived.Group("search", derived.search_fingerprint(rest, self.today, list(self.known.stories.values())), dict).tag
        new_search = derived.Group("search", derived.search_fingerprint(rest, self.today, list(digests.values())), dict).tag
        old_feed = derived.Group("feed", derived.feed_fingerprint(rest, [self.known.stories[s] for s in self.known.feed]), dict).tag
        new_feed = derived.Group("feed", derived.feed_fingerprint(rest, [digests[s] for s in self.known.feed]), dict).tag
        if self._recorded(search.MANIFEST).fingerprint != old_search or self._recorded("feed.xml").fingerprint != old_feed:
            raise _Unsure
        return {old_search: new_search, old_feed: new_feed}


def _only_body_changed(story: "Story", before: "Story") -> bool:
    """Everything but the body (and the links it holds) as before: the front matter, and the images shown."""
    return replace(story, body_html="", links=before.links) == before
