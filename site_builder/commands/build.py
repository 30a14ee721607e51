from __future__ import annotations

import sys

from site_builder.build import build
from site_builder.commands.common import add_content_arguments, options_from
from site_builder.progress import Progress

HELP = "build the public site (default build/site/), reusing build/.cache/ for what did not change"


def add_arguments(p) -> None:
    add_content_arguments(p)
    p.add_argument("--no-cache", action="store_true",
                   help="build everything afresh, neither reading nor writing the build cache")
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: one per core)")


def run(args) -> int:
    options = options_from(args)
    summary = build(options, progress=Progress(sys.stderr), warn=lambda text: print(text, file=sys.stderr))
    print(summary.line(options.out_dir))
    return 0
