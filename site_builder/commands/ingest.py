"""site-builder ingest PATH...: export files and 民主测评 CSVs -> the ledger, with a Chinese summary.

Each file's lines are printed as soon as the file is committed; totals and the time taken close the
summary. On a terminal a one-line counter (files, records, seconds) runs on stderr meanwhile.

Exit status: 0 when nothing needs attention; 2 when any file was quarantined or any record was
rejected, conflicting or flagged for attention; 1 for usage errors (printed without a traceback).
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import Callable

from site_builder.commands.common import add_data_arguments, content_dir_of, data_dir_of, day_of, ledger_file_of
from site_builder.ledger import codes, db, ingest, roster, seal, summary
from site_builder.ledger.accept import Settings
from site_builder.ledger import catalogue as catalogue_
from site_builder import clock
from site_builder.clock import now_iso
from site_builder.progress import Progress

HELP = "merge returned export files (and 民主测评 CSVs) into the ledger; exit 2 when anything needs attention"
ATTENTION = 2


def today_of(args) -> dt.date:
    return clock.today(day_of(args))


def usage_exit_1(p) -> None:
    """Malformed command lines exit 1 (argparse's default 2 means "needs attention" for ingest)."""

    def error(message: str) -> None:
        p.print_usage(sys.stderr)
        p.exit(1, f"{p.prog}: error: {message}\n")

    p.error = error


def add_arguments(p) -> None:
    usage_exit_1(p)
    p.add_argument("paths", nargs="+", metavar="PATH", help="export files or folders (searched recursively for *.json, *.csv)")
    add_data_arguments(p)
    p.add_argument("--verbose", action="store_true", help="a line for every file, notes included (default: problems only)")


def run(args) -> int:
    return ingest_files([Path(p) for p in args.paths], content_dir_of(args), data_dir_of(args), ledger_file_of(args),
                        today_of(args), print, args.verbose)


def settings_for(content_dir: Path, data_dir: Path, today: dt.date) -> Settings:
    """What ingest checks records against: the content's catalogue, the check-in key, the roster, the clock."""
    catalogue = catalogue_.load(content_dir, today)
    return Settings(catalogue, codes.load_key(data_dir), roster.load(data_dir / roster.ROSTER_FILE), now_iso(),
                    seal.load_private_keys(data_dir))


def ingest_files(paths: list[Path], content_dir: Path, data_dir: Path, ledger: Path, today: dt.date,
                 emit: Callable[[str], None] = print, verbose: bool = False) -> int:
    """Ingest files or folders into the ledger, telling `emit` each line of the Chinese summary as it is
    known; the exit status (0, or ATTENTION). The command and the desk (uploads) call this."""
    started = time.perf_counter()
    settings = settings_for(content_dir, data_dir, today)
    conn = db.connect(ledger)
    try:
        totals = _ingest(conn, paths, data_dir, settings, verbose, emit)
    finally:
        conn.close()
    for line in summary.total_lines(totals, settings.roster is not None, settings.key is not None):
        emit(line)
    emit(summary.run_line(totals, time.perf_counter() - started))
    return ATTENTION if totals.attention else 0


def _ingest(conn, paths: list[Path], data_dir: Path, settings: Settings, verbose: bool = False,
            emit: Callable[[str], None] = print) -> summary.Totals:
    """Ingest file by file, printing a file's problems as soon as it is committed; only totals are kept."""
    files = ingest.collect(paths)
    progress = Progress()
    progress.start("导入中：文件", sum(1 for _ in ingest.collect(paths)) if progress.enabled else None)
    for line in summary.head_lines(ingest.resolve_unknown(conn, settings)):
        emit(line)
    totals = summary.Totals()
    records = [0]

    def offered(count: int) -> None:
        records[0] += count
        progress.note(f"已处理 {records[0]:,} 条记录")

    try:
        for report in ingest.ingest_each(conn, files, data_dir, settings, offered):
            totals.add(report)
            progress.advance()
            lines = summary.file_lines(report, verbose)
            if lines and emit is print:
                progress.print_above("\n".join(lines))
            else:
                for line in lines:
                    emit(line)
    finally:
        progress.done()
    return totals
