"""The build, in the order its stages run. Data flows one way; only the writer touches the output folder.

    fingerprint the inputs -> load content (cache) -> validate -> public figures (from the ledger)
    -> collect pages -> fingerprint pages -> render, check links, write (worker pool) -> other outputs
    -> offline app (service worker) -> put in place (writer) -> remember (cache)

`build()` uses the build cache (cache.py, build/.cache/): a build whose inputs are all unchanged writes
nothing; otherwise only pages whose fingerprint changed are rendered, and only changed files are
written. The result is byte for byte the result of a build without the cache (`--no-cache`), which
tests check after every kind of edit. `render_site()` builds everything in memory without a cache (the
`check` command, and tests).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from site_builder import (app, assets, cache as cache_, clock, collector, content, derived, fingerprint, images, links, pages,
                          quick, render, search, validate, writer)
from site_builder.cache import Cache, Untrusted, Written, digest_text
from site_builder.errors import ContentErrors, Problem
from site_builder.ledger import data_dir_for, ledger_in
from site_builder.model import Content
from site_builder.pool import Pool
from site_builder.progress import Progress, step

THEME = Path(__file__).resolve().parent.parent / "theme"
SERVICE_WORKER = app.SERVICE_WORKER


@dataclass(frozen=True)
class Options:
    content_dir: Path = Path("content")
    out_dir: Path = Path("build/site")
    drafts: bool = False
    today: dt.date | None = None  # defaults to SITE_BUILDER_TODAY or the local date
    base_url: str | None = None  # overrides site.yaml's base_url
    theme_dir: Path = THEME
    ledger: Path | None = None  # overrides data/records.sqlite; a missing file means no figures
    cache: bool = True  # build/.cache/<site>.sqlite beside the output folder; False: --no-cache
    cache_path: Path | None = None  # another place for the cache file (the dev server's)
    jobs: int | None = None  # worker processes (default: one per core; SITE_BUILDER_JOBS)

    def the_day(self) -> dt.date:
        return clock.today(self.today)

    def cache_file(self) -> Path:
        """build/site -> build/.cache/site.sqlite"""
        if self.cache_path is not None:
            return self.cache_path
        out = Path(os.path.abspath(self.out_dir))
        return out.parent / cache_.CACHE_DIR / f"{out.name}.sqlite"


@dataclass
class Summary:
    """What a build did, for its one summary line."""

    files: int = 0  # files the site consists of
    written: int = 0  # written by this build
    removed: int = 0  # removed because the content no longer produces them
    seconds: float = 0.0
    unchanged: bool = False  # nothing changed since the last build: nothing was done
    quick: bool = False  # only story bodies changed: made by the quick edit (quick.py)
    warnings: list[str] = field(default_factory=list)

    @property
    def from_cache(self) -> int:
        return self.files - self.written

    def line(self, out_dir: Path) -> str:
        if self.unchanged:
            return f"内容没有变化：{out_dir} 的 {self.files} 个文件都是最新的，用时 {self.seconds:.2f} 秒"
        removed = f"，删除 {self.removed} 个" if self.removed else ""
        return (f"已构建 {out_dir}：共 {self.files} 个文件，写入 {self.written} 个，{self.from_cache} 个未变（来自缓存）"
                f"{removed}，用时 {self.seconds:.2f} 秒")


def load_checked(options: Options, cache: Cache | None = None, pool: Pool | None = None,
                 progress: Progress | None = None) -> Content:
    """Load and validate content; raise ContentErrors listing every problem."""
    loaded, problems = content.load(options.content_dir, drafts=options.drafts, today=options.the_day(),
                                    base_url=options.base_url, cache=cache, pool=pool, progress=progress)
    if loaded is not None:
        problems += validate.validate(loaded)
    if problems or loaded is None:
        raise ContentErrors(problems)
    return loaded


def ledger_path(options: Options) -> Path:
    """--ledger, else the ledger in the data folder beside content/ (data/records.sqlite)."""
    return options.ledger or ledger_in(data_dir_for(options.content_dir))


# --- the site in memory (check, tests) ---------------------------------------------------------------

def render_site(options: Options) -> dict[str, bytes]:
    """Everything the site consists of, as output path -> bytes, without writing anything or a cache."""
    today = options.the_day()
    with Pool(options.jobs) as pool:
        site_content = load_checked(options, pool=pool)
        figures = _public_figures(site_content, ledger_path(options), today)
        theme_assets = assets.collect(options.theme_dir)
        all_pages = collect_pages(site_content, figures, today)
        outputs = render.render_all(all_pages, site_content, options.theme_dir, theme_assets, today, figures,
                                    jobs=options.jobs)
    sources = {"content": "-", "assets": "-", "today": "-", "figures": "-"}
    for group in derived.groups(site_content, all_pages, theme_assets, today, sources):
        outputs.update(group.produce())
    outputs.update(content.copied_files(site_content))
    outputs.update(app.outputs(site_content, all_pages, outputs, options.theme_dir, theme_assets))
    problems = links.check(outputs, site_content.site.base_path)
    if problems:
        raise ContentErrors(problems)
    return outputs


def check(options: Options) -> int:
    """Validate content and links without writing; returns the number of output files it would write."""
    return len(render_site(options))


def collect_pages(site_content: Content, figures: dict | None, today: dt.date) -> list[pages.Page]:
    """Every page, after checking that each link written in a story names one of them."""
    all_pages = pages.collect(site_content, figures, today) + app.pages(site_content, today)
    problems = validate.check_story_links(site_content, {p.url for p in all_pages})
    if problems:
        raise ContentErrors(problems)
    return all_pages


# --- the build with its cache ------------------------------------------------------------------------

def build(options: Options, progress: Progress | None = None, warn: Callable[[str], None] | None = None,
          pool: Pool | None = None) -> Summary:
    """Build the site into options.out_dir, reusing what the build cache knows; returns what it did.

    `pool`: worker processes to use (the dev server keeps one for its session); default: a new one."""
    started = time.perf_counter()
    progress = progress or Progress.quiet()
    warnings: list[str] = []
    say = warn or warnings.append
    with contextlib.suppress(OSError):  # build/, spread (writer.spread) like the folders made in it; an
        writer.make_folder(os.path.dirname(os.path.abspath(options.out_dir)))  # unwritable one is reported below
    with contextlib.ExitStack() as stack:
        stack.enter_context(collector.resting())  # ~10^6 objects at 10,000 stories, no cycles among them
        if pool is None:
            pool = stack.enter_context(Pool(options.jobs, renewable=True))
        for attempt in (1, 2):
            cache = Cache.open(options.cache_file(), _identity(options), say) if options.cache else Cache.none()
            try:
                summary = _build(options, cache, pool, progress)
                break
            except Untrusted as why:  # a value in the cache failed its check: start again without it
                if attempt == 2:
                    raise
                say(f"构建缓存 {options.cache_file()} {why}，已忽略并重建（本次为完整构建）")
                cache.close()
                cache_._remove(options.cache_file())
            finally:
                cache.close()
                progress.done()
    summary.seconds = time.perf_counter() - started
    summary.warnings = warnings
    return summary


def _identity(options: Options) -> dict[str, str]:
    return {"code": cache_.code_digest(), "content": os.path.abspath(options.content_dir),
            "out": os.path.abspath(options.out_dir), "theme": os.path.abspath(options.theme_dir)}


def _build(options: Options, cache: Cache, pool: Pool, progress: Progress) -> Summary:
    today = options.the_day()
    with step("inputs"):
        cache.load_digests()
        ledger = ledger_path(options)
        previous = cache.outputs()
        intact = _intact(Path(options.out_dir), previous)
        # nothing to compare with on a first build: the inputs' digest is taken at the end, from what the
        # build read anyway (a story file is then read once, by the worker that renders it)
        read = _inputs(options, cache, today, ledger) if previous else None
        inputs = read.digest() if read else ""
    if previous and cache.last_build() == inputs and len(intact) == len(previous):
        cache.commit()
        return Summary(files=len(previous), unchanged=True)
    with step("quick"):
        edited = quick.attempt(options, cache, previous, intact, read, inputs, today, ledger) if read else None
    if edited is not None:
        return edited
    cache.forget_build()

    with step("load"):
        site_content = load_checked(options, cache, pool, progress)
    with step("figures"):
        figures = cached_figures(site_content, ledger, today, cache)
        theme_assets = assets.collect(options.theme_dir)
    with step("pages"):
        all_pages = collect_pages(site_content, figures, today)
    with step("sources"):
        sources = {"content": site_content.digest, "assets": _assets_digest(theme_assets),
                   "today": today.isoformat(), "figures": digest_text(repr(figures))}
        prints = functools.cache(lambda: fingerprint.pages(all_pages, cached_templates(options.theme_dir, cache), sources))
        groups = derived.groups(site_content, all_pages, theme_assets, today, sources, cache)
        pictures = derived.pictures(site_content, cache)

    # with no record of the site in place, every output is written again: over that site, file by file
    old = writer.old_site(Path(options.out_dir)) if not intact else None
    staging = writer.Staging(options.out_dir, complete=not intact and old is None)
    try:
        if staging.complete:
            intact = {}
        result = _fill(staging, options, site_content, figures, theme_assets, all_pages, prints, groups, pictures,
                       intact, previous, cache, pool, progress, today)
        if old is not None:
            result.removed = _left_over(old, result.written)
        with step("finish"):
            staging.finish(result.removed if not staging.complete else [])
            inputs = inputs or _inputs(options, cache, today, ledger).digest()
            cache.save_outputs(result.written, inputs)
            quick.remember(cache, inputs, site_content, all_pages, sources, theme_assets, result.written)
    finally:
        staging.discard()
    with step("forget"):
        _forget_unused(site_content, cache)
        cache.commit()
    return Summary(files=len(result.written), written=result.count, removed=len(result.removed))


def _left_over(old: list[str], written: dict[str, Written]) -> list[str]:
    """What of a site written over in place (writer.old_site) the new one does not have: its files and empty
    folders not written again, but not the folders new files go in (a file or link there is cleared by
    Staging.finish as it makes the folder)."""
    kept = writer.folders_of(written)
    return sorted(name for name in set(old) - set(written) if name not in kept)


@dataclass
class _Result:
    """What _fill wrote: every output of the site with its record, how many were written, what was removed."""

    written: dict[str, Written] = field(default_factory=dict)
    count: int = 0
    removed: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def put(self, staging: writer.Staging, path: str, data: bytes, fingerprint: str,
            intact: dict[str, Written]) -> None:
        """Stage a file, unless the site already has these very bytes there (kept, with its new fingerprint)."""
        digest = _sha256(data)
        known = intact.get(path)
        if known is not None and known.digest == digest:
            self.written[path] = Written(digest, fingerprint, known.size, known.mtime_ns)
            return
        size, mtime = staging.put(path, data)
        self.written[path] = Written(digest, fingerprint, size, mtime)
        self.count += 1


def _fill(staging: writer.Staging, options: Options, site_content: Content, figures, theme_assets, all_pages,
          prints: Callable[[], dict[str, str]], groups: list[derived.Group], pictures: list[derived.Picture],
          intact: dict[str, Written], previous: dict[str, Written], cache: Cache, pool: Pool,
          progress: Progress, today: dt.date) -> _Result:
    """Write into staging every output whose inputs changed; check every link; return what was done.

    Pages are rendered by the pool while this process makes the outputs no page links to (the search
    index): on a cold build of a large site that overlaps two of its longest steps. `prints()` gives the
    pages' fingerprints; a complete build, which renders every page whatever they are, asks for them
    only then, so that they are taken while the workers render too."""
    result = _Result()
    base = site_content.site.base_path
    with step("groups"):
        todo_groups = _kept_groups(groups, intact, previous, result)
        produced = {g.name: g.produce() for g in todo_groups if g.linked}
    names = {p.output_path for p in all_pages} | {name for p in pictures for name in p.names} | {SERVICE_WORKER} | set(result.written)
    names |= {path for files in produced.values() for path in files}
    linkable = frozenset(names)

    with step("bodies"):  # (those kept in the build cache are read where the pages are rendered)
        todo, bodies = render.with_bodies_or_file(_pages_to_render(all_pages, prints, intact, result), site_content)
    with step("dispatch"):
        setting = render.setting_for(site_content, options.theme_dir, theme_assets, today, figures, linkable,
                                     staging.folder, bytecode_dir(options, cache), staging.flat, bodies)
        # (inherit: in the build's own pool, workers are forked with the pages, which are not pickled to them)
        rendering = pool.start(render.render_pages, todo, setting, min_items=render.PARALLEL_FROM, inherit=True)
    with step("unlinked"):
        produced.update({g.name: g.produce() for g in todo_groups if not g.linked})
    with step("fingerprints"):
        fingerprints = prints()
    progress.start("渲染页面", len(todo))
    with step("render"):
        rendered = rendering(progress.advance)
    progress.done()
    for r in rendered:
        result.problems += r.problems
        staging.names.add(r.path)
        result.written[r.path] = Written(r.digest, fingerprints[r.path], r.size, r.mtime_ns)
    result.count += len(rendered)

    for group in groups:
        for path, data in sorted(produced.get(group.name, {}).items()):
            if path.endswith(".css"):
                result.problems += links.check_css(path, data, linkable, base)
            result.put(staging, path, data, group.tag, intact)
    with step("images"):
        _publish_images(staging, pictures, intact, result, cache)
    names |= {path for files in produced.values() for path in files}
    result.removed = sorted(set(previous) - names) if intact else []
    if any(not path.startswith(search.PIECES) for path in result.removed):
        # a page or file is gone: links on pages not rendered again may point to it (search's pieces are
        # named by their content and fetched by its script only, never linked)
        kept = [p for p in result.written if p not in staging.names and p.endswith(".html")]
        result.problems += _recheck(options.out_dir, kept, linkable, base, pool)
    if result.problems:
        raise ContentErrors(result.problems)
    digests = {path: w.digest for path, w in result.written.items()}
    data = app.service_worker_of(site_content, all_pages, digests, options.theme_dir, theme_assets)
    result.put(staging, SERVICE_WORKER, data, "service-worker", intact)
    return result


def _kept_groups(groups: list[derived.Group], intact: dict[str, Written], previous: dict[str, Written],
                 result: _Result) -> list[derived.Group]:
    """Groups whose files are all still in place as the last build made them are kept (recorded in
    result); the others are returned, to be produced."""
    by_tag: dict[str, list[str]] = {}
    for path, w in previous.items():
        by_tag.setdefault(w.fingerprint, []).append(path)
    todo = []
    for group in groups:
        recorded = by_tag.get(group.tag, [])
        if recorded and all(path in intact for path in recorded):
            result.written.update((path, intact[path]) for path in recorded)
        else:
            todo.append(group)
    return todo


def _pages_to_render(all_pages: list, prints: Callable[[], dict[str, str]], intact: dict[str, Written],
                     result: _Result) -> list:
    """Pages whose fingerprint changed (or whose file is not as written); the others are kept. With no
    file intact, every page, without asking for the fingerprints."""
    if not intact:
        return sorted(all_pages, key=lambda p: p.url)
    todo = []
    fingerprints = prints()
    for page in all_pages:
        known = intact.get(page.output_path)
        if known is not None and known.fingerprint == fingerprints[page.output_path]:
            result.written[page.output_path] = known
        else:
            todo.append(page)
    return sorted(todo, key=lambda p: p.url)


IMAGE_KIND = "image"  # cache kind: an image's published files (images.py), by the picture's fingerprint


def _publish_images(staging: writer.Staging, pictures: list[derived.Picture], intact: dict[str, Written],
                    result: _Result, cache: Cache) -> None:
    """Story and team images: kept when their files are in place as made from the same source; else
    taken from the cache, or encoded (images.publish) and cached, so an image is encoded once."""
    for picture in pictures:
        known = [intact.get(name) for name in picture.names]
        if picture.fingerprint and all(k is not None and k.fingerprint == picture.fingerprint for k in known):
            result.written.update(zip(picture.names, known))  # type: ignore[arg-type]
            cache.mark(IMAGE_KIND, [picture.fingerprint])
            continue
        files = cache.get(IMAGE_KIND, picture.fingerprint) if picture.fingerprint else None
        if files is None:
            try:
                files = images.publish(picture.source, picture.src)
            except OSError:
                result.problems.append(Problem(str(picture.source), None, "构建过程中这张图片被删除或移走了",
                                               "构建期间文件保持原处（请再构建一次）"))
                continue
            if picture.fingerprint:
                cache.put(IMAGE_KIND, picture.fingerprint, files)
        for name, data in sorted(files.items()):
            result.put(staging, name, data, picture.fingerprint, intact)


def bytecode_dir(options: Options, cache: Cache) -> Path | None:
    """Compiled templates, beside the cache file (Jinja checks each against its template's source)."""
    if not cache.enabled:
        return None
    folder = options.cache_file().parent / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _sha256(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def _intact(out_dir: Path, previous: dict[str, Written]) -> dict[str, Written]:
    """The outputs of the last build still in place as written (same size and modification time)."""
    if not previous or not (out_dir / writer.MARKER).is_file():
        return {}
    found = {}
    top = os.path.abspath(out_dir) + os.sep
    for path, w in previous.items():
        try:
            stat = os.stat(top + path)
        except OSError:
            continue
        if stat.st_size == w.size and stat.st_mtime_ns == w.mtime_ns:
            found[path] = w
    return found


def _recheck(out_dir: Path, paths: list[str], names: frozenset[str], base_path: str, pool: Pool) -> list[Problem]:
    items = sorted(paths)
    results = pool.map(_check_files, items, (str(out_dir), names, base_path), min_items=render.PARALLEL_FROM)
    return [p for found in results for p in found]


def _check_files(setting: tuple[str, frozenset[str], str], paths: list[str]) -> list[list[Problem]]:
    out_dir, names, base_path = setting
    return [links.check_html(path, (Path(out_dir) / path).read_bytes(), names, base_path) for path in paths]


@dataclass(frozen=True)
class Inputs:
    """Everything a build reads, as digests: site-builder itself, the day, the options, the ledger, then
    each content and theme file with the digest of its bytes. Builds are told apart by their digest()."""

    fixed: tuple[str, ...]
    files: tuple[tuple[str, str], ...]

    def digest(self, instead: Mapping[str, str | None] | None = None) -> str:
        """The build's fingerprint. `instead`: digests to take for some files in place of their present
        ones (quick.py: the fingerprint of these inputs as they were before an edit)."""
        instead = instead or {}
        # one string for the files (a path holds no NUL, a digest is hex): 10,000 files are one update
        files = "\0".join(f"{path}\0{instead.get(path) or digest}" for path, digest in self.files)
        return digest_text(*self.fixed, files)


def _inputs(options: Options, cache: Cache, today: dt.date, ledger: Path) -> Inputs:
    fixed = (cache_.code_digest(), today.isoformat(), str(options.drafts), options.base_url or "", _ledger_digest(ledger))
    return Inputs(fixed, tuple((path, cache.file_digest(path))
                               for root in (options.content_dir, options.theme_dir) for path in cache.scan(root)))


def _ledger_digest(ledger: Path) -> str:
    roster = Path(ledger).parent / "roster.csv"  # the honour roll's names (aggregates.roster_names)
    named = digest_text(roster.read_bytes().hex()) if roster.is_file() else "no roster"
    if not Path(ledger).exists():
        return "no ledger" + named  # (snapshot.digest's answer, without importing the ledger's modules)
    from site_builder.ledger import snapshot

    digest = getattr(snapshot, "digest", None)
    if digest is not None:
        return (digest(ledger) or "no ledger") + named
    try:
        parts = [f"{p.stat().st_size}:{p.stat().st_mtime_ns}" for p in (ledger, Path(f"{ledger}-wal")) if p.exists()]
    except OSError:
        parts = []
    return digest_text(*parts) if parts else "no ledger"


def cached_figures(site_content: Content, ledger: Path, today: dt.date, cache: Cache) -> dict | None:
    if not ledger.exists():
        return None
    key = digest_text("figures", _ledger_digest(ledger), site_content.digest, today.isoformat())
    found = cache.get("figures", key)
    if found is not None:
        return found[0]
    figures = _public_figures(site_content, ledger, today)
    cache.put("figures", key, (figures,))
    cache.keep_only("figures", [key])
    return figures


def _public_figures(site_content: Content, ledger: Path, today: dt.date) -> dict | None:
    """The anonymous figures from the ledger (imported only when there is one to read)."""
    from site_builder import aggregates

    return aggregates.public_figures(site_content, ledger, today)


TEMPLATES_KIND = "templates"  # cache kind: what each template parsed to, by the digest of its bytes


def cached_templates(theme_dir: Path, cache: Cache) -> fingerprint.TemplateInputs:
    """What every template is made from; only a template whose bytes changed is parsed again."""
    known = cache.get(TEMPLATES_KIND, "parsed")
    found, parsed = fingerprint.template_inputs(theme_dir, known if isinstance(known, dict) else None,
                                                cache.file_digest)
    if parsed != known:
        cache.put(TEMPLATES_KIND, "parsed", parsed)
    return found


def _assets_digest(theme_assets: assets.Assets) -> str:
    return digest_text(*(f"{name}={out}" for name, out in sorted(theme_assets.names.items())))


def _forget_unused(site_content: Content, cache: Cache) -> None:
    """Stories and bodies the content no longer has are dropped from the cache (it does not grow forever)."""
    from site_builder import stories

    for kind in (stories.STORY_KIND, stories.BODY_KIND, IMAGE_KIND):
        cache.keep_only(kind, cache.used.get(kind, ()))
