"""site-builder desk: the staff's local web app (导入、签到确认、认领审核、民主测评、择优报送、回执、打印) on
127.0.0.1. It has no login, so it refuses to listen anywhere else (--host other than 127.0.0.1 is a usage
error). Prints the address on its first line, then serves until Ctrl+C."""

from __future__ import annotations

import argparse
import socket
import sys
from pathlib import Path

from site_builder import guard
from site_builder.commands.common import add_data_arguments, content_dir_of, data_dir_of, day_of, ledger_file_of
from site_builder.commands.ingest import usage_exit_1
from site_builder.errors import UsageError

HELP = "the staff's desk: a local web app on 127.0.0.1 for ingest, confirmations, claims, 民主测评, diaries, 回执, printing"
HOST = "127.0.0.1"


def add_arguments(p: argparse.ArgumentParser) -> None:
    usage_exit_1(p)
    p.add_argument("--port", type=int, default=8800, help="port on 127.0.0.1 (default 8800; 0: any free port)")
    p.add_argument("--host", default=HOST, help="only 127.0.0.1 is accepted: the desk has no login")
    add_data_arguments(p)
    p.add_argument("--out", default="build/reports", metavar="DIR", help="private reports folder (default: build/reports)")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="the day the desk works for (default: SITE_BUILDER_TODAY or today)")


def check_host(host: str) -> None:
    if host != HOST:
        raise UsageError(f"--host {host}：工作台没有登录，只能在本机 {HOST} 上运行，不能对其他电脑开放；"
                         f"应为 --host {HOST}（或不写 --host）")


def listen(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as error:
        sock.close()
        raise UsageError(f"--port {port}：无法在 {HOST}:{port} 上监听，{guard.oserror_reason(error)}；"
                         f"应为空闲的端口，例如 --port {port + 1}") from None
    sock.listen(64)
    return sock


def run(args: argparse.Namespace) -> int:
    check_host(args.host)
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port}：端口不对；应为 0–65535 之间的整数")
    import uvicorn

    from site_builder.desk.app import Settings, create_app

    settings = Settings(content_dir_of(args), data_dir_of(args), ledger_file_of(args), Path(args.out).resolve(), day_of(args))
    app = create_app(settings)
    sock = listen(args.port)
    port = sock.getsockname()[1]
    print(f"工作台已启动：http://{HOST}:{port}/  （只在本机可用，没有登录；按 Ctrl+C 停止）", flush=True)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
    print("工作台已停止。", file=sys.stderr)
    return 0
