"""site-builder serve, for real: a subprocess on a free port, a temp copy of content/, livereload's websocket."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from site_builder import serve as dev

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 40


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def wait_for(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read().decode()
        try:
            if fetch(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {TIMEOUT} s")


async def reload_after(port: int, change) -> dict:
    """Connect as livereload.js does, make a change, return the reload message the server sends."""
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
    ws.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
    assert json.loads(await ws.read_message())["command"] == "hello"
    ws.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/", "plugins": {}}))
    await asyncio.sleep(0.3)  # the server registers this page as a waiter
    change()
    while True:
        message = json.loads(await asyncio.wait_for(ws.read_message(), TIMEOUT))
        if message.get("command") == "reload" and message.get("path") != "__livereload__":
            ws.close()
            return message


@pytest.fixture
def server(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "site_builder", "serve", "--content", str(content), "--port", str(port),
         "--today", "2026-11-28"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(f"http://127.0.0.1:{port}/", process)
        yield port, content, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_rebuilds_reloads_and_survives_a_broken_file(server):
    port, content, process = server
    status, page = fetch(f"http://127.0.0.1:{port}/about/")
    assert status == 200 and "/livereload.js" in page and "//cdn" not in page
    assert fetch(f"http://127.0.0.1:{port}/livereload.js")[0] == 200  # served locally, not from another host

    site_yaml = content / "site.yaml"
    original = site_yaml.read_text(encoding="utf-8")
    first_line = next(line for line in original.splitlines() if line.startswith("title:"))
    edited = original.replace(first_line, first_line + "（预览）", 1)
    message = asyncio.run(reload_after(port, lambda: site_yaml.write_text(edited, encoding="utf-8")))
    assert message["command"] == "reload"
    assert "（预览）" in fetch(f"http://127.0.0.1:{port}/about/")[1]

    broken = edited + "\nprivacy: [unclosed\n"
    asyncio.run(reload_after(port, lambda: site_yaml.write_text(broken, encoding="utf-8")))
    status, page = fetch(f"http://127.0.0.1:{port}/about/")
    assert status == 500 and "构建失败" in page and "site.yaml" in page and "/livereload.js" in page
    assert process.poll() is None

    asyncio.run(reload_after(port, lambda: site_yaml.write_text(original, encoding="utf-8")))
    status, page = fetch(f"http://127.0.0.1:{port}/about/")
    assert status == 200 and "（预览）" not in page


def test_requests_outside_the_base_path_redirect_to_it(tmp_path):
    state = dev.State(site_dir=tmp_path, base_path="/sansong/")
    (tmp_path / "index.html").write_text("home")
    (tmp_path / "posts").mkdir()
    assert dev.respond(state, "/")[:2] == ("302 Found", [("Location", "/sansong/")])
    assert dev.respond(state, "/sansong/")[2] == b"home"
    assert dev.respond(state, "/sansong/posts")[0].startswith("301")
    assert dev.respond(state, "/sansong/../../etc/passwd")[0].startswith("404")


def test_a_failed_build_shows_the_errors_on_pages_but_keeps_assets(tmp_path):
    state = dev.State(site_dir=tmp_path, error="content/site.yaml:3：字段 year 的值为 “<明年>”；应为不小于 2000 的整数")
    (tmp_path / "site.css").write_text("body{}")
    status, _, body = dev.respond(state, "/anything/")
    assert status.startswith("500") and "<h1>构建失败</h1>".encode() in body
    assert "content/site.yaml:3：字段 year 的值为 “&lt;明年&gt;”；应为不小于 2000 的整数".encode() in body
    assert dev.respond(state, "/site.css")[0] == "200 OK"


def test_base_path_comes_from_the_option_or_site_yaml(tmp_path):
    from site_builder.build import Options

    (tmp_path / "site.yaml").write_text("base_url: https://www.example.cn/sansong/\n", encoding="utf-8")
    assert dev.initial_base_path(Options(content_dir=tmp_path)) == "/sansong/"
    assert dev.initial_base_path(Options(content_dir=tmp_path, base_url="/other")) == "/other/"
    (tmp_path / "site.yaml").write_text("base_url: [broken\n", encoding="utf-8")
    assert dev.initial_base_path(Options(content_dir=tmp_path)) == "/"


def test_a_taken_port_is_reported_before_building(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "site_builder", "serve", "--content", str(ROOT / "content"),
                                 "--port", str(port)], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"--port {port}：无法在 127.0.0.1:{port} 上监听" in result.stderr and "Traceback" not in result.stderr
    assert "built" not in result.stderr


def test_serve_answers_sw_js_with_a_worker_that_caches_nothing(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sw.js").write_text("/* production */ const PRECACHE = [];", encoding="utf-8")
    (site / "index.html").write_bytes(b'<script src="/static/app/update.js" data-sw="/sw.js" data-scope="/"></script>')
    state = dev.State(site_dir=site)
    status, _, body = dev.respond(state, "/sw.js")
    assert status == "200 OK" and body == dev.DEV_SERVICE_WORKER and b"caches.delete" in body
    assert b"respondWith" not in body  # every request goes to the dev server
    assert (site / "sw.js").read_text(encoding="utf-8").startswith("/* production */")  # the build is untouched
    _, _, page = dev.respond(state, "/")
    assert b'data-dev-server="1" data-sw="/sw.js"' in page


def test_a_page_closed_mid_reload_is_not_logged_as_an_error():
    import logging
    import sys

    from site_builder.serve import quiet_closed_pages

    try:
        raise BrokenPipeError("the page went away")
    except BrokenPipeError:
        closed = logging.LogRecord("livereload", logging.ERROR, __file__, 1, "Error sending message", None, sys.exc_info())
    other = logging.LogRecord("livereload", logging.ERROR, __file__, 1, "Something else", None, None)
    assert quiet_closed_pages(closed) is False
    assert quiet_closed_pages(other) is True
