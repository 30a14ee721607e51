"""site-builder collect: receive phones' records over HTTP and ingest them (site_builder/collect/).

Binds to 127.0.0.1 by default; in production it runs behind nginx with TLS (docs/ledger.md, "Collect").
"""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlsplit

from site_builder import guard
from site_builder.commands.common import add_data_arguments, content_dir_of, data_dir_of, ledger_file_of
from site_builder.commands.ingest import today_of, usage_exit_1
from site_builder.errors import UsageError

HELP = "receive records the phones send (POST /batches), store them in data/inbox/ and ingest them; 127.0.0.1 by default"


def add_arguments(p) -> None:
    usage_exit_1(p)
    add_data_arguments(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this computer only)")
    p.add_argument("--port", type=int, default=8100, help="port to listen on (default: 8100; 0: any free port)")
    p.add_argument("--origin", action="append", default=[], metavar="URL",
                   help="a site origin allowed to send (default: the origin of site.yaml base_url); repeatable")
    p.add_argument("--behind-proxy", action="store_true",
                   help="trust X-Forwarded-For/-Proto from a proxy on 127.0.0.1 (nginx in front, docs/ledger.md)")
    p.add_argument("--today", metavar="YYYY-MM-DD", help="the day the content is read for (default: today)")


def _origins(args, base_url: str) -> list[str]:
    found = []
    for url in ([base_url] if base_url.startswith(("http://", "https://")) else []) + args.origin:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"--origin {url}：不是网站地址；应为 https://主机名[:端口]，例如 https://sansong.example.cn")
        found.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(found))


def _listen(host: str, port: int) -> socket.socket:
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        raise UsageError(f"--port {port}：无法在 {host}:{port} 上监听，{guard.oserror_reason(error)}；应为空闲的端口，例如 --port 8101") from None
    sock.set_inheritable(True)
    return sock


def run(args) -> int:
    import uvicorn

    from site_builder.collect import server
    from site_builder.collect.receive import Collector
    from site_builder.ledger import catalogue as catalogue_

    content_dir = content_dir_of(args)
    today = today_of(args)
    content = catalogue_.load_content(content_dir, today)
    origins = _origins(args, content.site.base_url)
    collector = Collector(catalogue_.from_content(content), data_dir_of(args), ledger_file_of(args))
    sock = _listen(args.host, args.port)
    host, port = sock.getsockname()[:2]

    def say(line: str) -> None:
        print(line, flush=True)

    app = server.make_app(collector, origins, say=say)
    config = uvicorn.Config(app, log_level="warning", access_log=False, server_header=False,
                            proxy_headers=args.behind_proxy, forwarded_allow_ips="127.0.0.1",
                            limit_concurrency=100, timeout_keep_alive=5)
    shown = f"[{host}]" if ":" in host else host
    say(f"collect 正在 http://{shown}:{port}{server.PATH} 接收记录；允许的网站：{'、'.join(origins) or '（无，浏览器不能跨站发送；用 --origin 添加）'}；按 Ctrl+C 停止")
    if not collector.keys:
        print("注意：data/export-keys/ 中没有私钥，加密的记录无法打开（site-builder keys 生成）", file=sys.stderr, flush=True)
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        collector.close()
    return 0
