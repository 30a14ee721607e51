"""`site-builder new story "标题"`: scaffold a draft story and print its path."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from site_builder import clock
from site_builder.commands.common import parse_date
from site_builder.scaffold import new_story

HELP = "scaffold a draft story: `new story TITLE` writes content/stories/<date>-<slug>.md and prints its path"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("kind", choices=["story"], help="what to create (only: story)")
    p.add_argument("title", help="the story's title, e.g. \"五点半课堂里的灯光\"")
    p.add_argument("--slug", metavar="NAME", help="ASCII name for the file and address (default: a short hash of the title)")
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="the story's date (default: SITE_BUILDER_TODAY or today)")


def run(args: argparse.Namespace) -> int:
    path = new_story(Path(args.content), args.title, _today(args.today), args.slug)
    print(path)
    return 0


def _today(value: str | None) -> dt.date:
    return clock.today(parse_date(value, "--today"))
