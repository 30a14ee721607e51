"""site-builder ingest PATH...: export files and 民主测评 CSVs -> the ledger, with a Chinese summary.

Each file's lines are printed as soon as the file is committed; totals and the time taken close the
summary. On a terminal a one-line counter (files, records, seconds) runs on stderr meanwhile.

Exit status: 0 when every file was handled and nothing needs attention; 2 when any file was quarantined
or any record was rejected, conflicting or flagged for attention, when an interrupted earlier run left
such files, or when the run stopped part-way after storing some files; 1 when nothing was ingested (usage
errors, a ledger or data folder that fails before the first file). One ingest at a time (ledger/runs.py).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import time
from pathlib import Path
from typing import Callable

from site_builder.commands.common import add_data_arguments, content_dir_of, data_dir_of, day_of, ledger_file_of
from site_builder import guard
from site_builder.ledger import codes, db, ingest, roster, runs, seal, summary
from site_builder.safetext import printable
from site_builder.ledger.accept import Settings
from site_builder.ledger import catalogue as catalogue_
from site_builder import clock
from site_builder.clock import now_iso
from site_builder.pool import Pool
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
    ingest.collect(paths)  # usage errors (a path that does not exist) before waiting for any lock
    with runs.exclusive(ledger, say=_waiting_line(emit)):
        conn = db.connect(ledger)
        try:
            earlier, earlier_attention = runs.begin(conn)
            for line in earlier:
                emit(line)
            with Pool() as pool:  # workers start only for a big file (ledger/ingest.py, PARALLEL_MIN)
                totals, stopped = _ingest(conn, paths, data_dir, settings, verbose, emit, pool)
            if stopped is None:
                runs.end(conn)
        finally:
            conn.close()
    totals.attention += earlier_attention
    if stopped is not None and not totals.stored:
        raise stopped  # nothing stored: the guard says what failed (exit 1)
    for line in summary.total_lines(totals, settings.roster is not None, settings.key is not None):
        emit(line)
    emit(summary.run_line(totals, time.perf_counter() - started))
    if stopped is not None:
        log = guard.log_exception(data_dir, None, stopped, what="ingest")
        emit(f"导入在中途停止：{_failure(stopped)}。此前存入的 {totals.stored} 个文件已保存"
             f"{f'（详细记录见 {log}）' if log else ''}；解决后再运行同一命令即可继续，已导入的文件会跳过。")
        return ATTENTION
    return ATTENTION if totals.attention else 0


def _waiting_line(emit: Callable[[str], None]) -> Callable[[str], None]:
    """Where "another ingest is running, waiting" goes: stderr on the terminal, else with the summary."""
    if emit is print:
        return lambda text: print(text, file=sys.stderr, flush=True)
    return emit


def _failure(error: BaseException) -> str:
    if isinstance(error, OSError):
        where = f"{printable(error.filename)}：" if getattr(error, "filename", None) else ""
        return f"{where}{guard.oserror_reason(error)}"
    if isinstance(error, sqlite3.OperationalError) and "locked" in str(error):
        return "台账正被另一个程序写入（database is locked）"
    return f"台账无法写入（{printable(error)}）"


def _ingest(conn, paths: list[Path], data_dir: Path, settings: Settings, verbose: bool = False,
            emit: Callable[[str], None] = print, pool: Pool | None = None) -> tuple[summary.Totals, BaseException | None]:
    """Ingest file by file, telling a file's problems as soon as it is committed; only totals are kept.
    A failure of the ledger or the data folder stops the run: (totals so far, the error)."""
    totals = summary.Totals()
    try:
        _each(conn, paths, data_dir, settings, verbose, totals, emit, pool)
    except (OSError, sqlite3.Error) as error:
        return totals, error
    return totals, None


def _each(conn, paths: list[Path], data_dir: Path, settings: Settings, verbose: bool, totals: summary.Totals,
          emit: Callable[[str], None] = print, pool: Pool | None = None) -> None:
    files = ingest.collect(paths)
    progress = Progress()
    progress.start("导入中：文件", sum(1 for _ in ingest.collect(paths)) if progress.enabled else None)
    for line in summary.head_lines(ingest.resolve_unknown(conn, settings)):
        emit(line)
    records = [0]

    def offered(count: int) -> None:
        records[0] += count
        progress.note(f"已处理 {records[0]:,} 条记录")

    try:
        for report in ingest.ingest_each(conn, files, data_dir, settings, offered, pool):
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
