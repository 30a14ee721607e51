from __future__ import annotations

import time

from site_builder.build import build
from site_builder.commands.common import add_content_arguments, options_from

HELP = "build the public site (default build/site/)"


def add_arguments(p) -> None:
    add_content_arguments(p)


def run(args) -> int:
    started = time.perf_counter()
    options = options_from(args)
    count = build(options)
    print(f"built {count} files into {options.out_dir} in {time.perf_counter() - started:.2f} s")
    return 0
