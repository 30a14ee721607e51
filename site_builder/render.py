"""Renders pages with Jinja2 (owner: rendering stage).

`environment()` builds the one Jinja environment every template sees (its globals and filters are the
contract written in docs/design.md, "Templates"); `render_text()` is a pure function page -> HTML;
`render_pages()` is the build pool's task: it renders pages, checks their links and writes them, in a
worker process; `render_all()` renders every page in memory (tests, and what `check` needs).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, cast
from urllib.parse import quote, urljoin, urlsplit

import jinja2

from site_builder import links, rules, writer
from site_builder.assets import Assets
from site_builder.cache import BodyFile
from site_builder.errors import ContentErrors, Problem, SiteBuilderError
from site_builder.model import Content, Site, Story
from site_builder.pages import tag_slug
from site_builder.pool import Pool

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def site_url(base_path: str, path: str) -> str:
    """"/x/" -> base_path + "x/"; absolute URLs, "#frag", "mailto:" and relative paths unchanged."""
    if not path.startswith("/") or path.startswith("//"):
        return path
    return base_path + path.lstrip("/")


def absolute(site: Site, path: str) -> str:
    """Site path ("/stories/x/") -> absolute, percent-encoded URL under site.base_url (feeds, Open Graph)."""
    quoted = quote(site_url(site.base_path, path), safe="/:@!$&'()*+,;=-._~%")
    origin = _origin(site.base_url)
    if origin and quoted.startswith("/") and not quoted.startswith("//") and "/." not in quoted:
        return origin + quoted  # what urljoin gives for a plain absolute path, without its parsing (a sitemap: 15,000)
    return urljoin(site.base_url, quoted)


@functools.lru_cache(maxsize=16)
def _origin(base_url: str) -> str:
    """"https://example.org/sub/" -> "https://example.org"; "" when base_url is not an absolute URL."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def cn_date(day: dt.date | dt.datetime | str | None) -> str:
    """2026年5月15日: the one way a page writes a date. An ISO 8601 string (the figures' "as_of") is read
    first: its date as written, which for the ledger's stamps is the date in Beijing time."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return f"{day.year}年{day.month}月{day.day}日"


def cn_month(day: dt.date) -> str:
    """2026年5月"""
    return f"{day.year}年{day.month}月"


def cn_weekday(day: dt.date) -> str:
    """星期五"""
    return WEEKDAYS[day.weekday()]


def hhmm(value: dt.time | dt.datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


WITHHELD = "withheld"  # aggregates.WITHHELD: hidden so that a smaller group's figure cannot be worked out


def hours(value: float | int | str | None, min_group: int = 5) -> str:
    """12.5 -> "12.5小时"; 12.0 -> "12小时"; None (suppressed) -> "不足N人"; withheld -> "不公开"."""
    if value is None:
        return f"不足{min_group}人"
    if value == WITHHELD:
        return "不公开"
    text = f"{float(value):.1f}".removesuffix(".0")
    return f"{text}小时"


def count(value: int | str | None, min_group: int = 5, unit: str = "") -> str:
    """A public count: None means the group is smaller than the privacy minimum ("不足5人"), never 0;
    withheld (hidden so that a smaller group's figure cannot be worked out by subtraction) "不公开"."""
    if value is None:
        return f"不足{min_group}人"
    if value == WITHHELD:
        return "不公开"
    return f"{value}{unit}"


class _Environment(jinja2.Environment):
    """Templates get their globals as one plain dict, copied when a template is loaded (the globals are all
    set before the first is): Jinja's ChainMap over the environment's globals is copied key by key in
    Python for every page rendered and every template imported (8% of a render worker's time)."""

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


def environment(theme_dir: Path, content: Content, assets: Assets, today: dt.date,
                figures: dict | None = None, bytecode_dir: Path | None = None) -> jinja2.Environment:
    """The Jinja environment: autoescape, StrictUndefined, the globals and filters of docs/design.md.

    With `bytecode_dir` (in the build cache), compiled templates are kept between builds."""
    env = _Environment(
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(bytecode_dir)) if bytecode_dir else None,
        loader=jinja2.FileSystemLoader(str(Path(theme_dir) / "templates")),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates do not change during a build; skips a stat() per page
        cache_size=-1,  # every template kept in a plain dict: no LRU bookkeeping (three lookups per page)
    )
    site = content.site
    base_path = site.base_path
    env.globals.update(
        site=site,
        content=content,
        today=today,
        figures=figures,
        url=lambda path: site_url(base_path, path),
        absolute_url=functools.lru_cache(maxsize=4096)(lambda path: absolute(site, path)),  # og:image: the same on most pages
        asset=lambda name: site_url(base_path, assets.url(name)),
        tag_url=lambda tag: f"/stories/tag/{tag_slug(tag)}/",
        rules=rules.TEMPLATE_RULES,
        memo=memo_of(),
    )
    env.filters.update(filters(site))
    return env


def memo_of() -> "Memo":
    """`{% call memo("nav", section) %}…{% endcall %}`: the block is rendered once per key in one
    environment (one build's worker) and its HTML reused, for the parts of every page that are the same
    on many pages (the navigation, the footer). The key must name everything the block depends on besides
    the build's constants (site, content, url(), asset(), today, figures)."""
    return Memo()


class Memo:
    """The `memo` of one environment: its blocks by key, and those used on the page being rendered
    (`used`, emptied by render_pages before each page), which the link check scans once per build, not
    once per page (links.check_page)."""

    def __init__(self) -> None:
        self.store: dict[tuple, Any] = {}
        self.used: list[str] = []

    def __call__(self, *key: Any, caller: Any) -> Any:
        found = self.store.get(key)
        if found is None:
            found = self.store[key] = caller()
        self.used.append(found)
        return found


def filters(site: Site | None) -> dict[str, Any]:
    """The filters of docs/design.md, "Templates" (site None: only their names are wanted)."""
    least = site.min_group if site is not None else 5
    return dict(
        cn_date=cn_date,
        cn_month=cn_month,
        weekday=cn_weekday,
        hhmm=hhmm,
        hours=lambda v: hours(v, least),
        figure=lambda v, unit="": count(v, least, unit),
    )


def template_line(error: BaseException, fallback: str) -> tuple[str, int | None]:
    """The innermost template file and line in an error's traceback (Jinja maps frames to templates)."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt")) and "templates" in frame.filename:
            name = frame.filename.split("templates", 1)[1].lstrip("/\\")
            return f"theme/templates/{name}", frame.lineno
    return f"theme/templates/{fallback}", None


def render_text(env: jinja2.Environment, page: Any) -> str:
    """One page's HTML. Template errors become located problems, explained in Chinese (Jinja's own words,
    which name the variable or attribute, follow in parentheses)."""
    try:
        template = env.get_template(page.template)
        html = template.render(page=page, **page.context)
    except jinja2.TemplateSyntaxError as error:
        where = f"theme/templates/{error.name or page.template}"
        raise ContentErrors([Problem(where, error.lineno, f"模板语法错误（Jinja 提示：{error.message}）",
                                     "正确的 Jinja2 模板语法")]) from None
    except jinja2.TemplateNotFound as error:
        raise ContentErrors([Problem(f"theme/templates/{error.name}", None,
                                     f"找不到页面 {page.url} 要用的模板", "theme/templates/ 下的模板文件")]) from None
    except (jinja2.UndefinedError, TypeError, KeyError, AttributeError, ValueError) as error:
        where, line = template_line(error, page.template)
        what = "模板用到了没有定义的变量或属性" if isinstance(error, jinja2.UndefinedError) else "模板出错"
        raise ContentErrors([Problem(where, line, f"渲染页面 {page.url} 时{what}（Jinja 提示：{error}）",
                                     "只用 docs/design.md “Templates” 一节列出的变量")]) from None
    return html


PARALLEL_FROM = 500  # pages; below this, sending pages to worker processes costs more than it saves


class NoStories:
    """content.stories as templates see it: empty, and an error when used. Templates get stories
    through their page's context, so the build knows which pages show which stories (fingerprint.py)."""

    def _refuse(self, *_args, **_kwargs):
        raise SiteBuilderError("theme/templates：有模板读取了 content.stories；"
                               "应为从页面的 context 取典型案例（stories、latest_stories、story）")

    __getitem__ = __iter__ = __len__ = __contains__ = values = items = keys = get = _refuse

    def __reduce__(self):
        return (NoStories, ())


@dataclass
class Setting:
    """What every page of one build is rendered with (sent once to each worker process)."""

    content: Content  # without stories (see NoStories) and without the cache's body store
    theme_dir: Path
    asset_names: dict[str, str]
    today: dt.date
    figures: dict | None
    names: frozenset[str] | None = None  # every output path: links are checked against it (None: not checked)
    write_dir: Path | None = None  # pages are written here (writer.put) instead of being returned
    bytecode_dir: Path | None = None  # compiled templates kept between builds (build cache)
    write_flat: bool = False  # write_dir is a flat staging folder (writer.staged)
    bodies: BodyFile | None = None  # story bodies the pages are given where they are rendered
    _env: jinja2.Environment | None = field(default=None, repr=False, compare=False)
    fine_links: set[str] = field(default_factory=set, repr=False, compare=False)  # links.check_page's memo

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_env": None, "fine_links": set()}

    @property
    def env(self) -> jinja2.Environment:
        if self._env is None:
            self._env = environment(self.theme_dir, self.content, Assets(names=self.asset_names), self.today,
                                    self.figures, self.bytecode_dir)
        return self._env


def setting_for(content: Content, theme_dir: Path, assets: Assets, today: dt.date, figures: dict | None,
                names: frozenset[str] | None = None, write_dir: Path | None = None,
                bytecode_dir: Path | None = None, write_flat: bool = False, bodies: BodyFile | None = None) -> Setting:
    shared = replace(content, stories=NoStories(), body_store=None)  # type: ignore[arg-type]  # refuses use
    return Setting(shared, Path(theme_dir), dict(assets.names), today, figures, names, write_dir, bytecode_dir,
                   write_flat, bodies)


@dataclass(frozen=True)
class Rendered:
    """One rendered page: its output path, the sha256 of its bytes, the bytes unless written, problems."""

    path: str
    digest: str
    data: bytes | None
    size: int
    mtime_ns: int
    problems: tuple[Problem, ...] = ()


def render_pages(setting: Setting, pages: list[Any]) -> list[Rendered]:
    """Pool task: render, check the links of and (with write_dir) write each page."""
    results = []
    memo = cast(Memo, setting.env.globals["memo"])
    if setting.bodies is not None:
        _read_bodies(pages, setting.bodies)
    for page in pages:
        memo.used.clear()
        try:
            text = render_text(setting.env, page)
        except ContentErrors as error:
            results.append(Rendered(page.output_path, "", None, 0, 0, tuple(error.problems)))
            continue
        data = text.encode("utf-8")
        problems: tuple[Problem, ...] = ()
        if setting.names is not None:
            problems = tuple(links.check_page(page.output_path, text, setting.names, setting.content.site.base_path,
                                              setting.fine_links, memo.used))
        digest = hashlib.sha256(data).hexdigest()
        if setting.write_dir is not None:
            size, mtime_ns = writer.put(setting.write_dir, page.output_path, data, setting.write_flat)
            results.append(Rendered(page.output_path, digest, None, size, mtime_ns, problems))
        else:
            results.append(Rendered(page.output_path, digest, data, len(data), 0, problems))
    return results


def render_all(pages: Iterable[Any], content: Content, theme_dir: Path, assets: Assets, today: dt.date,
               figures: dict | None = None, jobs: int | None = None) -> dict[str, bytes]:
    """Every page rendered, keyed by output path ("communities/yangguang/index.html"), links unchecked.

    Large sites are rendered by worker processes; the result is the same bytes either way."""
    ordered = sorted(with_bodies(list(pages), content), key=lambda p: p.url)
    setting = setting_for(content, theme_dir, assets, today, figures)
    with Pool(jobs) as pool:
        results = pool.map(render_pages, ordered, setting, min_items=PARALLEL_FROM)
    problems = [p for r in results for p in r.problems]
    if problems:
        raise ContentErrors(problems)
    return {r.path: r.data for r in results if r.data is not None}


def with_bodies_or_file(pages: list[Any], content: Content) -> tuple[list[Any], BodyFile | None]:
    """with_bodies() for the bodies this build rendered (in memory); those in the build cache are left
    for render_pages to read where the pages are rendered: (pages, the cache.BodyFile to read them from,
    or None). Without a cache file, as with_bodies()."""
    store = content.body_store
    waiting = _waiting(pages)
    if not waiting or store is None:
        return pages, None
    kept = frozenset(p.context["story"].digest for p in waiting) - store.loaded.keys()
    file = store.file(kept) if kept else None
    if file is None:
        return with_bodies(pages, content), None
    with_bodies([p for p in waiting if p.context["story"].digest not in kept], content)
    return pages, file


def _waiting(pages: list[Any]) -> list[Any]:
    """The pages showing a story whose body they do not carry (story pages show one)."""
    return [p for p in pages if isinstance(p.context.get("story"), Story) and not p.context["story"].body_html]


def _read_bodies(pages: list[Any], file: BodyFile) -> None:
    """Give the pages whose story's body is among `file`'s (cache.BodyFile) that body, read from it."""
    waiting = [p for p in _waiting(pages) if p.context["story"].digest in file.digests]
    if waiting:
        bodies = file.bodies([p.context["story"].digest for p in waiting])
        for page in waiting:
            story = page.context["story"]
            page.context = {**page.context, "story": replace(story, body_html=bodies[story.digest])}


def with_bodies(pages: list[Any], content: Content) -> list[Any]:
    """Pages whose story comes from the build cache get its body (story pages only show one)."""
    waiting = _waiting(pages)
    if not waiting or content.body_store is None:
        return pages
    bodies = content.bodies([p.context["story"] for p in waiting])
    for page in waiting:
        story = page.context["story"]
        page.context = {**page.context, "story": replace(story, body_html=bodies[story.slug])}
    return pages
