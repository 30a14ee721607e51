"""Renders pages with Jinja2 (owner: rendering stage).

`environment()` builds the one Jinja environment every template sees (its globals and filters are the
contract written in docs/design.md, "Templates"); `render_page()` is a pure function page -> bytes so
pages can later be rendered in parallel; `render_all()` renders every page in a stable order.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import quote, urljoin

import jinja2

from site_builder.assets import Assets
from site_builder.errors import Problem, ContentErrors
from site_builder.model import Content, Site
from site_builder.pages import tag_slug

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def site_url(base_path: str, path: str) -> str:
    """"/x/" -> base_path + "x/"; absolute URLs, "#frag", "mailto:" and relative paths unchanged."""
    if not path.startswith("/") or path.startswith("//"):
        return path
    return base_path + path.lstrip("/")


def absolute(site: Site, path: str) -> str:
    """Site path ("/stories/x/") -> absolute, percent-encoded URL under site.base_url (feeds, Open Graph)."""
    return urljoin(site.base_url, quote(site_url(site.base_path, path), safe="/:@!$&'()*+,;=-._~%"))


def cn_date(day: dt.date | dt.datetime | None) -> str:
    """2026年5月15日"""
    if day is None:
        return ""
    return f"{day.year}年{day.month}月{day.day}日"


def cn_month(day: dt.date) -> str:
    """2026年5月"""
    return f"{day.year}年{day.month}月"


def cn_weekday(day: dt.date) -> str:
    """星期五"""
    return WEEKDAYS[day.weekday()]


def hhmm(value: dt.time | dt.datetime) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def hours(value: float | int | None, min_group: int = 5) -> str:
    """12.5 -> "12.5小时"; 12.0 -> "12小时"; None (suppressed) -> "不足N人"."""
    if value is None:
        return f"不足{min_group}人"
    text = f"{float(value):.1f}".removesuffix(".0")
    return f"{text}小时"


def count(value: int | None, min_group: int = 5, unit: str = "") -> str:
    """A public count: None means the group is smaller than the privacy minimum ("不足5人"), never 0."""
    if value is None:
        return f"不足{min_group}人"
    return f"{value}{unit}"


def environment(theme_dir: Path, content: Content, assets: Assets, today: dt.date,
                figures: dict | None = None) -> jinja2.Environment:
    """The Jinja environment: autoescape, StrictUndefined, the globals and filters of docs/design.md."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(theme_dir) / "templates")),
        autoescape=jinja2.select_autoescape(["html", "xml"], default_for_string=True),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # templates do not change during a build; skips a stat() per page
    )
    site = content.site
    base_path = site.base_path
    env.globals.update(
        site=site,
        content=content,
        today=today,
        figures=figures,
        url=lambda path: site_url(base_path, path),
        absolute_url=lambda path: absolute(site, path),
        asset=lambda name: site_url(base_path, assets.url(name)),
        tag_url=lambda tag: f"/stories/tag/{tag_slug(tag)}/",
    )
    env.filters.update(
        cn_date=cn_date,
        cn_month=cn_month,
        weekday=cn_weekday,
        hhmm=hhmm,
        hours=lambda v: hours(v, site.min_group),
        figure=lambda v, unit="": count(v, site.min_group, unit),
    )
    return env


def template_line(error: BaseException, fallback: str) -> tuple[str, int | None]:
    """The innermost template file and line in an error's traceback (Jinja maps frames to templates)."""
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        if frame.filename.endswith((".html", ".xml", ".txt")) and "templates" in frame.filename:
            name = frame.filename.split("templates", 1)[1].lstrip("/\\")
            return f"theme/templates/{name}", frame.lineno
    return f"theme/templates/{fallback}", None


def render_page(env: jinja2.Environment, page: Any) -> bytes:
    """One page -> UTF-8 bytes. Template errors become located problems."""
    try:
        template = env.get_template(page.template)
        html = template.render(page=page, **page.context)
    except jinja2.TemplateSyntaxError as error:
        where = f"theme/templates/{error.name or page.template}"
        raise ContentErrors([Problem(where, error.lineno, f"template syntax: {error.message}",
                                     "valid Jinja2")]) from None
    except jinja2.TemplateNotFound as error:
        raise ContentErrors([Problem(f"theme/templates/{error.name}", None,
                                     f"template not found for page {page.url}", "a file under theme/templates/")]) from None
    except (jinja2.UndefinedError, TypeError, KeyError, AttributeError, ValueError) as error:
        where, line = template_line(error, page.template)
        raise ContentErrors([Problem(where, line, f"rendering {page.url}: {error}",
                                     "only the variables listed in docs/design.md, Templates")]) from None
    return html.encode("utf-8")


PARALLEL_FROM = 2000  # pages; below this, starting worker processes costs more than it saves
_worker: dict[str, Any] = {}  # per worker process: the environment and the pages


def render_all(pages: Iterable[Any], content: Content, theme_dir: Path, assets: Assets, today: dt.date,
               figures: dict | None = None, jobs: int | None = None) -> dict[str, bytes]:
    """Every page rendered, keyed by output path ("communities/yangguang/index.html").

    Large sites are rendered by `jobs` worker processes (default: one per CPU, at most 8, from
    PARALLEL_FROM pages); the result is the same, in the same order, either way.
    """
    ordered = sorted(pages, key=lambda p: p.url)
    workers = jobs if jobs is not None else (min(os.cpu_count() or 1, 8) if len(ordered) >= PARALLEL_FROM else 1)
    if workers <= 1:
        env = environment(theme_dir, content, assets, today, figures)
        return {page.output_path: render_page(env, page) for page in ordered}
    return render_in_processes(ordered, (content, theme_dir, assets, today, figures), workers)


def render_in_processes(ordered: list[Any], setting: tuple, workers: int) -> dict[str, bytes]:
    """Chunks of pages rendered by worker processes ("spawn": the dev server has threads running)."""
    size = -(-len(ordered) // (workers * 4))
    ranges = [(start, min(start + size, len(ordered))) for start in range(0, len(ordered), size)]
    outputs: dict[str, bytes] = {}
    problems: list[Problem] = []
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                             initargs=(ordered, setting)) as pool:
        for chunk, found in pool.map(_render_range, ranges):
            outputs.update(chunk)
            problems += found
    if problems:
        raise ContentErrors(problems)
    return outputs


def _start_worker(ordered: list[Any], setting: tuple) -> None:
    content, theme_dir, assets, today, figures = setting
    _worker["pages"] = ordered
    _worker["env"] = environment(theme_dir, content, assets, today, figures)


def _render_range(bounds: tuple[int, int]) -> tuple[dict[str, bytes], list[Problem]]:
    """Pages [start, end) rendered; problems returned as values (ContentErrors does not pickle)."""
    env, ordered = _worker["env"], _worker["pages"]
    outputs: dict[str, bytes] = {}
    for page in ordered[bounds[0]:bounds[1]]:
        try:
            outputs[page.output_path] = render_page(env, page)
        except ContentErrors as error:
            return outputs, error.problems
    return outputs, []
