"""Arguments shared by the commands that read content.

site_builder.build (Jinja, the renderers: about 0.12 s to import) is imported only by the functions
that need it, so commands that do not build (ingest, ledger, codes …) start without it.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from site_builder.errors import UsageError
from site_builder.ledger import data_dir_for, ledger_in

if TYPE_CHECKING:
    from site_builder.build import Options


def add_content_arguments(p: argparse.ArgumentParser, out_default: str | None = "build/site") -> None:
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    if out_default:
        p.add_argument("--out", default=out_default, metavar="DIR", help=f"output folder (default: {out_default})")
    p.add_argument("--drafts", action="store_true", help="include drafts and stories with a future publish date")
    p.add_argument("--base-url", metavar="URL", help="override site.yaml's base_url (e.g. /sansong/ to live under a sub-path)")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="the date the build is for (default: SITE_BUILDER_TODAY or today)")
    add_data_arguments(p, content=False)
    p.add_argument("--theme", metavar="DIR", help="theme folder with templates/, static/ and sw.js (default: site-builder's own)")


def add_data_arguments(p: argparse.ArgumentParser, content: bool = True) -> None:
    """--data and --ledger (and --content, which data/ sits beside, unless the command has it already)."""
    if content:
        p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--data", metavar="DIR", help="private data folder (default: data/ beside the content folder)")
    p.add_argument("--ledger", metavar="FILE", help="ledger file (default: <data>/records.sqlite)")


def data_dir_of(args: argparse.Namespace) -> Path:
    """The private data folder of this command line: --data, else data/ beside --content."""
    return data_dir_for(args.content, getattr(args, "data", None))


def ledger_file_of(args: argparse.Namespace) -> Path:
    return Path(args.ledger) if getattr(args, "ledger", None) else ledger_in(data_dir_of(args))


def content_dir_of(args: argparse.Namespace) -> Path:
    content_dir = Path(args.content)
    if not content_dir.is_dir():
        raise UsageError(f"{args.content}：找不到内容文件夹；应为含有 site.yaml 的文件夹")
    return content_dir


def theme_dir_of(args: argparse.Namespace) -> Path:
    if not getattr(args, "theme", None):
        from site_builder.build import THEME

        return THEME
    theme = Path(args.theme)
    if not (theme / "templates").is_dir():
        raise UsageError(f"--theme {args.theme}：那里没有 templates/ 文件夹；应为与 site-builder 自带的 theme/ 结构相同的主题文件夹")
    return theme


def parse_date(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option value, or None when the option was not given."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value}：不是日期；应为 YYYY-MM-DD，如 2026-05-10") from None


def day_of(args: argparse.Namespace) -> dt.date | None:
    """--today as a date, or None when not given (clock.today then uses SITE_BUILDER_TODAY or the clock)."""
    return parse_date(getattr(args, "today", None), "--today")


def options_from(args: argparse.Namespace) -> Options:
    from site_builder.build import Options

    return Options(
        content_dir=content_dir_of(args),
        out_dir=Path(getattr(args, "out", None) or "build/site"),
        drafts=args.drafts,
        today=day_of(args),
        base_url=args.base_url,
        ledger=ledger_file_of(args),
        theme_dir=theme_dir_of(args),
        cache=not getattr(args, "no_cache", False),
        jobs=getattr(args, "jobs", None),
    )
