"""The build, in the order its stages run. Data flows one way; only the writer touches the output folder.

    load content -> validate -> public figures (from the ledger) -> collect pages
    -> render pages, feeds, assets -> offline app (manifest, service worker) -> check links -> write

Every stage before `write` works on plain values (the Content model, a list of Page, a dict of output
path -> bytes), so stages can be tested alone, rendering can run in parallel, and unchanged work can be
cached later without a rewrite.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from site_builder import aggregates, clock, app, assets, content, feeds, links, pages, render, validate, writer
from site_builder.errors import ContentErrors
from site_builder.ledger import DATA_DIR, ledger_in
from site_builder.model import Content

THEME = Path(__file__).resolve().parent.parent / "theme"


@dataclass(frozen=True)
class Options:
    content_dir: Path = Path("content")
    out_dir: Path = Path("build/site")
    drafts: bool = False
    today: dt.date | None = None  # defaults to SITE_BUILDER_TODAY or the local date
    base_url: str | None = None  # overrides site.yaml's base_url
    theme_dir: Path = THEME
    ledger: Path | None = None  # overrides data/records.sqlite; a missing file means no figures

    def the_day(self) -> dt.date:
        return clock.today(self.today)


def load_checked(options: Options) -> Content:
    """Load and validate content; raise ContentErrors listing every problem."""
    loaded, problems = content.load(options.content_dir, drafts=options.drafts, today=options.the_day(),
                                    base_url=options.base_url)
    if loaded is not None:
        problems += validate.validate(loaded)
    if problems:
        raise ContentErrors(problems)
    return loaded


def ledger_path(options: Options) -> Path:
    """--ledger, else the ledger in the data folder beside content/ (data/records.sqlite)."""
    return options.ledger or ledger_in(options.content_dir.resolve().parent / DATA_DIR)


def render_site(options: Options) -> dict[str, bytes]:
    """Everything the site consists of, as output path -> bytes, without writing anything."""
    today = options.the_day()
    site_content = load_checked(options)
    figures = aggregates.public_figures(site_content, ledger_path(options), today)
    theme_assets = assets.collect(options.theme_dir)
    all_pages = pages.collect(site_content, figures, today) + app.pages(site_content, today)
    problems = validate.check_story_links(site_content, {p.url for p in all_pages})
    if problems:
        raise ContentErrors(problems)
    outputs = render.render_all(all_pages, site_content, options.theme_dir, theme_assets, today, figures)
    outputs.update(theme_assets.outputs)
    outputs.update(feeds.outputs(site_content, all_pages, today))
    outputs.update(content.copied_files(site_content))
    outputs.update(app.outputs(site_content, all_pages, outputs, options.theme_dir, theme_assets))
    problems = links.check(outputs, site_content.site.base_path)
    if problems:
        raise ContentErrors(problems)
    return outputs


def build(options: Options) -> int:
    """Build the site into options.out_dir; returns the number of files written."""
    outputs = render_site(options)
    writer.write(options.out_dir, outputs)
    return len(outputs)


def check(options: Options) -> int:
    """Validate content and links without writing; returns the number of output files it would write."""
    return len(render_site(options))
