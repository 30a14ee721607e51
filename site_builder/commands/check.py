from __future__ import annotations

from site_builder.build import check
from site_builder.commands.common import add_content_arguments, options_from

HELP = "validate content and links without writing anything; exit non-zero on any error"


def add_arguments(p) -> None:
    add_content_arguments(p, out_default=None)


def run(args) -> int:
    count = check(options_from(args))
    print(f"内容检查通过（构建时将写出 {count} 个文件）")
    return 0
