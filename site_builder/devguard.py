"""What the dev server (serve.py) accepts: requests addressed to this machine only, sane paths.

- Host: the dev server listens on 127.0.0.1, but a web page elsewhere can make a browser reach it under
  another name (DNS rebinding: evil.example resolving to 127.0.0.1) and read drafts. Every request must
  name 127.0.0.1, localhost or [::1] in its Host header (any port), or it is refused with 403.
- Origin: the live-reload websocket (livereload's handler accepts any Origin) only talks to pages served
  from those same names.
- Paths: a segment longer than a file name may be (255 bytes) or a path longer than 4,096 bytes is answered
  414 with a Chinese line, never a traceback.
"""

from __future__ import annotations

from urllib.parse import urlsplit

LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_SEGMENT_BYTES = 255
MAX_PATH_BYTES = 4096
REFUSED = "此开发服务器只接受本机地址（127.0.0.1 或 localhost）的访问".encode("utf-8")
TOO_LONG = "地址过长（某一段超过 255 字节或全长超过 4096 字节）；应为网站中的页面地址".encode("utf-8")


def local_host(host: str | None) -> bool:
    """Whether a Host header (name and optional port) names this machine."""
    if not host:
        return False
    try:
        name = urlsplit("//" + host).hostname
    except ValueError:
        return False
    return name in LOCAL_NAMES


def local_origin(origin: str | None) -> bool:
    """Whether an Origin header is a page served from this machine (http://127.0.0.1:8000 …)."""
    if not origin:
        return False
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.hostname in LOCAL_NAMES


def overlong(path: str) -> bool:
    data = path.encode("utf-8", "surrogateescape")
    return len(data) > MAX_PATH_BYTES or any(len(part) > MAX_SEGMENT_BYTES for part in data.split(b"/"))


def install() -> None:
    """Make livereload's tornado handlers (websocket, livereload.js, forcereload) refuse other hosts and
    origins. Class attributes of the library, set once per dev-server process."""
    from livereload import handlers

    def check_origin(self, origin: str) -> bool:
        return local_origin(origin) and local_host(self.request.host)

    def prepare(self) -> None:
        if not local_host(self.request.host):
            self.set_status(403)
            self.finish(REFUSED)

    handlers.LiveReloadHandler.check_origin = check_origin
    for handler in (handlers.LiveReloadHandler, handlers.LiveReloadJSHandler, handlers.ForceReloadHandler):
        handler.prepare = prepare
