"""site-builder ledger: look into the ledger (list, search, history, conflicts, files, export) and record an
organiser's decisions on check-ins (confirm, reject, decide FILE.csv). Output in Chinese for secretaries."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from site_builder.commands.common import add_data_arguments, ledger_file_of
from site_builder.commands.ingest import usage_exit_1
from site_builder.errors import UsageError
from site_builder.ledger import db, decisions, queries, table
from site_builder.ledger.archive import atomic_write
from site_builder.clock import now_iso

HELP = "list, search, export the ledger, show a card's history, conflicts, files; confirm or reject check-ins"


def add_arguments(p) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="records in effect (filters combine)")
    _filters(listing)
    search = sub.add_parser("search", help="records whose content contains TEXT")
    search.add_argument("text", metavar="TEXT")
    _filters(search)
    export = sub.add_parser("export", help="write records as CSV (UTF-8 with BOM, opens in Excel)")
    export.add_argument("--csv", required=True, metavar="FILE")
    _filters(export)
    history = sub.add_parser("history", help="everything about one card: records (corrected ones too), conflicts, decisions")
    history.add_argument("card", metavar="CARD")
    for name, text in (("conflicts", "same id, different content: kept aside"), ("files", "every file offered: status, counts, reason")):
        add_data_arguments(sub.add_parser(name, help=text))
    for name in ("confirm", "reject"):
        decide = sub.add_parser(name, help=f"{name} check-ins (hours count only when verified or confirmed)")
        decide.add_argument("ids", nargs="+", metavar="RECORD_ID")
        decide.add_argument("--by", metavar="NAME", help="who decided (e.g. 阳光社区 张书记)")
        decide.add_argument("--note", metavar="TEXT")
    for name in ("approve", "decline"):
        claim = sub.add_parser(name, help=f"{name} members' claims of a post (approve refuses beyond its capacity)")
        claim.add_argument("post", metavar="POST")
        claim.add_argument("cards", nargs="+", metavar="CARD")
        claim.add_argument("--by", metavar="NAME")
        claim.add_argument("--note", metavar="TEXT")
        claim.add_argument("--today", metavar="YYYY-MM-DD", help="the day (default: SITE_BUILDER_TODAY or today)")
        add_data_arguments(claim)
    decide = sub.add_parser("decide", help="apply a confirmation CSV with columns record_id,decision,by,note")
    decide.add_argument("file", metavar="FILE.csv")
    for parser in (history, decide) + tuple(sub.choices[n] for n in ("confirm", "reject")):
        add_data_arguments(parser)
    for parser in (p, *sub.choices.values()):
        usage_exit_1(parser)


def _filters(p) -> None:
    p.add_argument("--type", choices=sorted(queries.TYPE_NAMES), help="record type")
    p.add_argument("--card", metavar="CARD")
    p.add_argument("--community", metavar="ID")
    p.add_argument("--flag", metavar="FLAG", help="e.g. unknown_card, late, missing_checkout, code_mismatch, device_mismatch, shared_device")
    p.add_argument("--all", action="store_true", help="include records replaced by a correction")
    add_data_arguments(p)


def _filters_of(args, text: str | None = None) -> queries.Filters:
    return queries.Filters(args.type, args.card, args.community, args.flag, text, args.all)


def run(args) -> int:
    path = ledger_file_of(args)
    if args.action in ("confirm", "reject", "decide"):
        return _decide(args, path)
    if args.action in ("approve", "decline"):
        return _claims(args, path)
    conn = queries.open_read(path)
    try:
        return ACTIONS[args.action](conn, args)
    except BrokenPipeError:  # output piped into `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    finally:
        conn.close()


def _list(conn, args, text: str | None = None) -> int:
    rows = queries.records(conn, _filters_of(args, text))
    print(table.render(queries.RECORD_HEADERS, queries.record_rows(rows)))
    print(f"共 {len(rows)} 条")
    return 0


def _export(conn, args) -> int:
    filters = _filters_of(args)
    atomic_write(Path(args.csv), queries.export_csv(conn, filters))
    print(f"已导出 {len(queries.records(conn, filters))} 条到 {args.csv}")
    return 0


def _history(conn, args) -> int:
    rows = queries.records(conn, queries.Filters(card=args.card, include_superseded=True))
    print(f"报到卡号 {args.card}：{len(rows)} 条记录（含已被更正的）")
    print(table.render(queries.RECORD_HEADERS, queries.record_rows(rows)))
    _conflicts(conn, args, card=args.card)
    made = queries.decisions(conn, args.card)
    if made:
        print("\n组织者确认记录")
        print(table.render(["记录编号", "决定", "时间", "确认人", "说明"],
                           [[r, "确认" if d == "confirmed" else "退回", t, b or "", n or ""] for r, d, t, b, n in made]))
    return 0


def _conflicts(conn, args, card: str | None = None) -> int:
    rows = queries.conflicts(conn, card)
    print(f"\n冲突（同一编号内容不同，另存未采用）：{len(rows)} 条")
    if rows:
        print(table.render(["记录编号", "报到卡号", "发现时间", "来自文件", "不同之处"],
                           [[r, c, t[:16], n or "", queries.differences(a, b)] for r, c, t, n, a, b in rows], limit=60))
    return 0


def _files(conn, args) -> int:
    rows = queries.files(conn)
    status = {"ingested": "已接收", "quarantined": "已隔离"}
    print(table.render(["文件", "状态", "接收时间", "新接收", "已存在", "冲突", "退回", "原因"],
                       [[n, status.get(s, s), t[:16], a, k, c, j, r or ""] for n, s, t, a, k, c, j, r, _ in rows], limit=60))
    rejected = queries.rejections(conn)
    if rejected:
        print(f"\n退回的记录：{len(rejected)} 条")
        print(table.render(["文件", "位置", "记录编号", "原因"], [[n, p + 1, i or "", r] for n, p, i, r in rejected], limit=80))
    return 0


def _decide(args, path: Path) -> int:
    if not path.exists():
        raise UsageError(f"{path}：还没有台账；应先用 site-builder ingest 导入记录（或用 --ledger 指定台账文件）")
    if args.action == "decide":
        if not Path(args.file).is_file():
            raise UsageError(f"{args.file}：文件不存在；应为含 record_id,decision,by,note 列的 CSV 文件")
        wanted = decisions.from_csv(Path(args.file))
    else:
        verdict = "confirmed" if args.action == "confirm" else "rejected"
        wanted = [(decisions.Decision(i, verdict, args.by, args.note), "命令行", None) for i in args.ids]
    conn = db.connect(path)
    try:
        count = decisions.apply(conn, wanted, now_iso())
    finally:
        conn.close()
    print(f"已记录 {count} 条决定（确认的签到计入时长，退回的不计入，记录都保留）")
    return 0


def _claims(args, path: Path) -> int:
    """Approve or decline claims of one post: the rule of ledger/claims.py, as at the desk."""
    from site_builder import clock
    from site_builder.commands.common import content_dir_of, day_of
    from site_builder.facts import year_facts
    from site_builder.ledger import catalogue, claims, snapshot
    from site_builder.rules import normalise_card

    if not path.exists():
        raise UsageError(f"{path}：还没有台账；应先用 site-builder ingest 导入记录（或用 --ledger 指定台账文件）")
    today = clock.today(day_of(args))
    content = catalogue.load_content(content_dir_of(args), today)
    decision = claims.APPROVED if args.action == "approve" else claims.DECLINED
    conn = db.connect(path)
    try:
        for card in args.cards:
            snap = snapshot.read(path)
            claim = claims.decide(conn, content, snap, year_facts(content, snap, today), normalise_card(card), args.post,
                                  decision, now_iso(), args.by, args.note)
            print(f"{claim.card} {claim.name} 认领 {args.post}：{'已同意' if decision == claims.APPROVED else '未同意'}")
    finally:
        conn.close()
    return 0


ACTIONS = {
    "list": _list,
    "search": lambda conn, args: _list(conn, args, args.text),
    "export": _export,
    "history": _history,
    "conflicts": _conflicts,
    "files": _files,
}
