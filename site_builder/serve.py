"""The dev loop: build into a temporary folder, serve it on 127.0.0.1, rebuild on change, reload pages.

livereload (tornado) runs one event loop: the watcher polls content/ and theme/, a change schedules a
debounced rebuild on that loop, and requests wait while it runs, so no page is ever served from a
half-built site (the writer puts files in place only after every check passed). A failed build is printed in the
terminal and shown in the browser instead of every page, with the last good site kept for assets;
the next good build replaces it. livereload's own script is served by this same local server.

Open pages reload only once a rebuild has finished (good or failed): livereload's message is sent after
it, and every served page also checks which build is the newest (BUILD_PATH), so a page that loaded
while a rebuild ran, or before its livereload.js connected, catches up instead of staying behind.
"""

from __future__ import annotations

import html
import json
import logging
import mimetypes
import posixpath
import signal
import socket
import sys
import tempfile
import threading
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable
from urllib.parse import urlsplit

import yaml

from site_builder import build, devguard, guard, yamlload
from site_builder.pool import Pool
from site_builder.errors import SiteBuilderError, UsageError

DEBOUNCE_SECONDS = 0.02  # after the watcher's own wait: changes in quick succession make one build
WATCH_DEBOUNCE_MS = 30
TYPES = {".webmanifest": "application/manifest+json", ".ics": "text/calendar; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".json": "application/json", ".xml": "application/xml",
         ".css": "text/css; charset=utf-8", ".html": "text/html; charset=utf-8", ".txt": "text/plain; charset=utf-8"}


@dataclass
class State:
    """What the server serves: the site folder, its base path, and the last build error (or None)."""

    site_dir: Path
    base_path: str = "/"
    error: str | None = None
    builds: int = 0
    pool: Pool | None = None  # worker processes kept for the session
    generation: int = 0  # build attempts finished (good or failed): what a served page was made from


def run_build(options: build.Options, state: State, log: Callable[[str], None]) -> None:
    """Build into state.site_dir (only what changed, with the session's cache and worker pool); on
    failure keep the last good site and remember the error."""
    try:
        summary = build.build(replace(options, out_dir=state.site_dir, cache_path=state.site_dir.parent / "cache.sqlite"),
                              warn=log, pool=state.pool)
    except SiteBuilderError as error:
        state.error = str(error)
        log(f"构建失败；改好之前，浏览器中的页面会显示这些问题：\n{error}")
        return
    except Exception:  # a bug in a stage must not stop the dev server
        state.error = CRASHED + traceback.format_exc()
        log(state.error)
        return
    else:
        state.error = None
        state.builds += 1
        log(summary.line(state.site_dir))
    finally:
        state.generation += 1  # only now, with the site (or the error) in place, may open pages reload


# Shown (terminal and browser) before the traceback when a stage raises something unexpected: a bug.
CRASHED = "构建时程序出错（这是 site-builder 的缺陷，不是内容的问题）。请把下面的内容交给维护人员：\n"


def error_page(message: str) -> bytes:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><title>构建失败</title>'
        "<style>body{font:16px/1.6 system-ui,sans-serif;margin:2rem;color:#1a1a1a}"
        "h1{color:#b71c1c}pre{white-space:pre-wrap;background:#fff3f3;padding:1rem;border-left:4px solid #b71c1c}</style>"
        "</head><body><h1>构建失败</h1>"
        "<p>网站没有更新。请按下面列出的位置（文件:行号）逐条修改；保存后会自动重新构建，本页随之刷新。</p>"
        f"<pre>{html.escape(message)}</pre></body></html>"
    ).encode("utf-8")


# What `serve` answers for /sw.js instead of the site's service worker: it takes over at once, deletes
# the caches a production worker left on this origin and handles no request, so every request reaches
# the dev server and an edit shows on the next reload. The built site's sw.js is not changed by this.
DEV_SERVICE_WORKER = b"""/* site-builder serve: development service worker (the built site has the real one). */
'use strict';
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});
self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'GET_VERSION' && event.ports[0]) event.ports[0].postMessage('dev');
});
"""
DEV_MARKER = b' data-dev-server="1" data-sw="'  # on the app's script tag: update.js offers no updates under serve


# Every HTML page serve answers carries the build it was made from and asks, four times a second, which
# build is the newest (BUILD_PATH; the answer waits while a build runs, since builds run on the server's
# one loop). It reloads when they differ: only after a rebuild has finished, and also when the reload
# message livereload pushes was sent before the page's own livereload.js had connected (a page loaded
# during a quick edit after edit would otherwise stay one change behind).
BUILD_PATH = "/__site-builder__/build"
BUILD_CHECK = """<script data-site-builder-build="%d">(function () {
  var made = %d, url = %s, workers = navigator.serviceWorker;
  function later() { setTimeout(check, 250); }
  function check() {
    if (!workers || !workers.controller) return ask();
    // A worker left by the real site answers this page's requests; serve's own worker (DEV_SERVICE_WORKER)
    // takes over only once that one has no request in flight: while it waits, ask nothing.
    workers.getRegistration().then(function (r) {
      if (r && (r.installing || r.waiting)) setTimeout(check, 1000); else ask();
    }, ask);
  }
  function ask() {
    fetch(url, {cache: 'no-store'}).then(function (r) { return r.ok ? r.text() : ''; }).then(function (text) {
      // only this server's answer, a number, counts (a service worker left by the real site may answer
      // with a page of its own)
      if (/^[0-9]+$/.test(text) && Number(text) !== made) location.reload(); else later();
    }, later);
  }
  later();
})();</script>"""


def with_build_check(state: State, path: str, headers: list[tuple[str, str]], body: bytes) -> bytes:
    """The build a page was made from and the script that reloads it after the next build (above)."""
    if path == BUILD_PATH or not any(k == "Content-Type" and v.startswith("text/html") for k, v in headers):
        return body
    script = BUILD_CHECK % (state.generation, state.generation, json.dumps(BUILD_PATH))
    return body.replace(b"</head>", script.encode("utf-8") + b"</head>", 1)


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def wsgi_app(state: State):
    """A WSGI app serving state.site_dir under state.base_path, or the error page after a failed build."""

    def app(environ, start_response) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        if not devguard.local_host(environ.get("HTTP_HOST")):  # DNS rebinding: devguard.py
            status, headers, body = "403 Forbidden", [("Content-Type", "text/plain; charset=utf-8")], devguard.REFUSED
        elif devguard.overlong(path):
            status, headers, body = "414 URI Too Long", [("Content-Type", "text/plain; charset=utf-8")], devguard.TOO_LONG
        else:
            status, headers, body = respond(state, path)
            body = with_build_check(state, path, headers, body)
        start_response(status, headers + [("Cache-Control", "no-store"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def respond(state: State, path: str) -> tuple[str, list[tuple[str, str]], bytes]:
    if path == BUILD_PATH:
        return "200 OK", [("Content-Type", "text/plain; charset=utf-8")], str(state.generation).encode()
    base = state.base_path
    if not path.startswith(base):
        if base.startswith(path.rstrip("/") + "/") or path == base.rstrip("/"):
            return "302 Found", [("Location", base)], b""
        return "404 Not Found", [("Content-Type", "text/plain; charset=utf-8")], f"此地址不在网站路径 {base} 之下".encode()
    inside = posixpath.normpath("/" + path[len(base):]).lstrip("/")
    if path.endswith("/") and inside:
        inside += "/"
    if inside == "" or inside.endswith("/"):
        inside += "index.html"
    if inside == "sw.js":
        return "200 OK", [("Content-Type", content_type(inside))], DEV_SERVICE_WORKER
    if state.error is not None and inside.endswith(".html"):
        return "500 Build Failed", [("Content-Type", "text/html; charset=utf-8")], error_page(state.error)
    target = state.site_dir / inside
    if target.is_dir():
        return "301 Moved Permanently", [("Location", path + "/")], b""
    if target.is_file():
        body = target.read_bytes()
        if inside.endswith(".html"):
            body = body.replace(b' data-sw="', DEV_MARKER, 1)
        return "200 OK", [("Content-Type", content_type(inside))], body
    missing = state.site_dir / "404.html"
    body = missing.read_bytes() if missing.is_file() else "<!doctype html><meta charset=utf-8><title>404</title><p>找不到这个页面（404）</p>".encode()
    return "404 Not Found", [("Content-Type", "text/html; charset=utf-8")], body


class Rebuilder:
    """Coalesces file-change events into one build shortly after the last, then reloads open pages."""

    def __init__(self, options: build.Options, state: State, log: Callable[[str], None]):
        self.options, self.state, self.log = options, state, log
        self.pending: object | None = None  # the scheduled rebuild (a tornado timeout handle)

    def changed(self, *_paths) -> None:
        from tornado.ioloop import IOLoop

        loop = IOLoop.current()
        if self.pending is not None:
            loop.remove_timeout(self.pending)
        self.pending = loop.call_later(DEBOUNCE_SECONDS, self.rebuild)

    def rebuild(self) -> None:
        from livereload.handlers import LiveReloadHandler

        self.pending = None
        self.log("发现修改，正在重新构建")
        run_build(self.options, self.state, self.log)
        LiveReloadHandler.reload_waiters("*")


def watch(folders: list[Path], changed: Callable[[], None], stop: threading.Event) -> threading.Thread:
    """Call changed() (from a thread of its own) whenever a file under the folders changes.

    watchfiles uses inotify, so an edit is noticed within a few milliseconds (livereload's own poller
    looks every 0.8 s); it waits WATCH_DEBOUNCE_MS for a burst of changes (an editor's save) to end."""
    import watchfiles

    def run() -> None:
        for _changes in watchfiles.watch(*folders, debounce=WATCH_DEBOUNCE_MS, step=10, stop_event=stop,
                                         raise_interrupt=False, ignore_permission_denied=True):
            changed()

    thread = threading.Thread(target=run, name="site-builder-watch", daemon=True)
    thread.start()
    return thread


def serve(options: build.Options, host: str, port: int) -> None:
    """Build, then serve until interrupted. Prints the URL; errors never stop it."""
    from livereload import Server
    from tornado.ioloop import IOLoop

    log = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    logging.getLogger("livereload").addFilter(quiet_closed_pages)
    check_port(host, port)
    devguard.install()
    signal.signal(signal.SIGTERM, stop)
    with tempfile.TemporaryDirectory(prefix="site-builder-serve-") as folder, Pool(options.jobs) as pool:
        state = State(site_dir=Path(folder) / "site", pool=pool)
        state.base_path = initial_base_path(options)
        run_build(options, state, log)
        server = Server(app=wsgi_app(state))
        rebuilder = Rebuilder(options, state, log)
        quiet = Path(folder) / "unwatched"  # livereload polls this (and not the working folder): watch() does the work
        quiet.write_text("", encoding="utf-8")
        server.watch(str(quiet), None, delay="forever")
        loop = IOLoop.current()
        stopping = threading.Event()
        watch([options.content_dir, options.theme_dir], lambda: loop.add_callback(rebuilder.changed), stopping)
        print(f"预览地址 http://{host}:{port}{state.base_path} （按 Ctrl+C 停止）", flush=True)
        try:
            server.serve(host=host, port=port, debug=False, restart_delay="forever")  # no reload at start
        except OSError as error:
            raise UsageError(f"--port {port}：无法在 {host}:{port} 上监听，{guard.oserror_reason(error)}；"
                             "应为空闲的端口，例如 --port 8001") from None
        finally:
            stopping.set()


def quiet_closed_pages(record: logging.LogRecord) -> bool:
    """livereload logs a traceback when a page closed (or went on to another page) while its reload
    message was being sent: nothing is wrong and nothing is lost (the next page asks for the build it came
    from), so that record is dropped; anything else livereload logs is kept."""
    return not (record.getMessage() == "Error sending message" and record.exc_info is not None)


def check_port(host: str, port: int) -> None:
    """Fail before building when the address is taken (the build can take a while)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise UsageError(f"--port {port}：无法在 {host}:{port} 上监听，{guard.oserror_reason(error)}；"
                         "应为空闲的端口，例如 --port 8001") from None


def stop(_signum, _frame) -> None:
    """SIGTERM stops the server like Ctrl+C, so the temporary folder is removed."""
    raise KeyboardInterrupt


def initial_base_path(options: build.Options) -> str:
    """The base path to serve under: --base-url's, else site.yaml's base_url (read once at start;
    restart after changing it); "/" when site.yaml cannot be read yet (the build reports why)."""
    value = options.base_url
    if value is None:
        try:
            settings, _ = yamlload.parse((options.content_dir / "site.yaml").read_text(encoding="utf-8"), "site.yaml")
            value = str(settings.get("base_url") or "/")  # bounded parse: a billion-laughs site.yaml cannot stall it
        except (OSError, yaml.YAMLError, AttributeError, UnicodeDecodeError):
            value = "/"
    path = urlsplit(value).path or "/"
    return path if path.endswith("/") else path + "/"
