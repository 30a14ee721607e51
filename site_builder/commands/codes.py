"""site-builder codes: the check-in codes of upcoming activities, printed and as a printable sheet
with a QR code per activity (build/reports/codes/, private). Creates data/checkin.key on first use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable

from site_builder.commands.common import data_dir_of, parse_date
from site_builder.commands.ingest import today_of, usage_exit_1
from site_builder.errors import UsageError
from site_builder.ledger import catalogue, codes, codesheet
from site_builder.ledger.archive import atomic_write

HELP = "print the check-in codes of upcoming activities and write a printable sheet with QR codes"


def add_arguments(p) -> None:
    usage_exit_1(p)
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (default: today or SITE_BUILDER_TODAY)")
    p.add_argument("--days", type=int, default=31, metavar="N", help="how many days from --from (default 31)")
    p.add_argument("--content", default="content", metavar="DIR", help="content folder (default: content)")
    p.add_argument("--data", metavar="DIR", help="private data folder holding checkin.key (default: data/ beside the content folder)")
    p.add_argument("--out", default="build/reports", metavar="DIR", help="private reports folder (default: build/reports)")


def _start(args) -> dt.date:
    return parse_date(args.start, "--from") or today_of(args)


def run(args) -> int:
    if args.days < 1:
        raise UsageError(f"--days {args.days}：天数不对；应为不小于 1 的整数")
    write_codes(Path(args.content), data_dir_of(args), Path(args.out), _start(args), args.days, print)
    return 0


def write_codes(content_dir: Path, data_dir: Path, out: Path, start: dt.date, days: int,
                emit: Callable[[str], None] = print) -> Path:
    """Tell the codes of the activities from `start` for `days` days and write the printable sheet (with
    QR codes) under out/codes/; its path. The command and the desk call this."""
    end = start + dt.timedelta(days=days - 1)
    content = catalogue.load_content(content_dir, start)
    key = codes.ensure_key(data_dir)
    upcoming = [a for a in content.activities.values() if start <= a.date <= end]
    emit(f"{start} 至 {end} 的活动签到码（{len(upcoming)} 项）")
    emit(f"{'日期':<10}  {'时间':<11}  {'签到码':<6}  活动")
    for activity in upcoming:
        emit(f"{activity.date}  {activity.start:%H:%M}–{activity.end:%H:%M}  {codes.code_for(key, activity.id)}  "
             f"{activity.title}（{activity.id}）")
    title = f"签到码 {start} 至 {end}"
    path = out / "codes" / f"codes-{start}-{days}d.html"
    atomic_write(path, codesheet.sheet(content, upcoming, key, title).encode("utf-8"))
    emit(f"打印用签到码表：{path}")
    return path
