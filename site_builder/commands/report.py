"""site-builder report: private reports (registration, activities and stars, 民主测评, 台账, cards,
certificates) from content, the ledger and the roster, written to build/reports/ (never build/site/)."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from site_builder.build import Options, ledger_path, load_checked
from site_builder.commands.common import add_data_arguments, content_dir_of, data_dir_of, day_of, ledger_file_of
from site_builder.errors import rel
from site_builder.ledger import pairings
from site_builder.ledger.roster import ROSTER_FILE
from site_builder.reports import build as reports
from site_builder.reports import context, output
from site_builder.reports.render import cn_time

HELP = "write private reports, ledgers, cards and certificates (default build/reports/)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--out", default="build/reports", metavar="DIR", help="output folder (default: build/reports; never inside build/site)")
    add_data_arguments(p, content=False)
    p.add_argument("--roster", metavar="FILE", help="roster of issued 报到卡 (default: <data>/roster.csv)")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="the date the reports are for (default: SITE_BUILDER_TODAY or today)")


def run(args: argparse.Namespace) -> int:
    roster = Path(args.roster) if args.roster else data_dir_of(args) / ROSTER_FILE
    for line in write_reports(_options(args), Path(args.out), roster, data_dir_of(args)):
        print(line)
    return 0


def write_reports(options: Options, out: Path, roster: Path, data_dir: Path) -> list[str]:
    """Every private report into `out` (the command and the desk call this); the lines to tell the user."""
    started = time.perf_counter()
    project = options.content_dir.resolve().parent
    output.check_out_dir(out, project)
    content = load_checked(options)
    ledger = ledger_path(options)
    ctx = context.load(content, ledger, roster, options.the_day())
    ctx.extra["pairings"] = pairings.load(data_dir / pairings.PAIRINGS_FILE, content)
    outputs = reports.render_reports(ctx)
    output.write(out, outputs)
    lines = [f"报表已写入 {rel(out)}（{len(outputs) - 1} 个文件，用时 {time.perf_counter() - started:.2f} 秒）；"
             f"台账 {rel(ledger)}，数据截至 {cn_time(ctx.basis.as_of) or '（台账为空）'}"]
    if not ledger.exists():
        lines.append(f"注意：台账 {rel(ledger)} 不存在，报表中没有任何记录（可先用 site-builder ingest 导入）。")
    if ctx.basis.roster is None:
        lines.append(f"注意：未找到花名册 {rel(roster)}，无法列出未报到人员。")
    if ctx.extra["pairings"] is None:
        lines.append(f"注意：未找到结对帮扶表 {rel(data_dir / pairings.PAIRINGS_FILE)}，结对帮扶覆盖情况为空。")
    return lines


def _options(args: argparse.Namespace) -> Options:
    return Options(content_dir=content_dir_of(args), today=day_of(args), ledger=ledger_file_of(args))
