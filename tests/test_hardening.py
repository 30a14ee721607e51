"""Issue 12, cases 3, 7 and 8 as an adversary tried them: a control character reaching a report, hostile
file names and archives in the inbox, the dev server under DNS rebinding and overlong paths, and staging
folders of killed builds. Each case is reproduced and shown handled."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path


import exportkit as kit

from site_builder import cli, devguard
from site_builder import serve as dev
from test_serve import fetch, server  # noqa: F401  (the real dev server as a fixture)

ROOT = Path(__file__).resolve().parent.parent


# --- case 3: a \x0b in a pledge never stops a report ----------------------------------------------------

def test_a_vertical_tab_in_a_pledge_is_flagged_at_ingest_and_the_report_is_written(tmp_path, capsys, fixed_clock):
    data = kit.data_dir(tmp_path)
    records = [kit.record("registration"), kit.record("claim", pledge="每月参加\x0b一次党员活动日")]
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "in", records))
    assert status == 2 and "文字含控制字符或残缺字符" in out
    conn = sqlite3.connect(data / "records.sqlite")  # and a ledger written before ingest cleaned text: again at writing
    conn.execute("UPDATE records SET body = replace(body, '王一', ?) WHERE type = 'registration'", ("王\\u000b一",))
    conn.commit()
    conn.close()
    out_dir = tmp_path / "reports"
    assert cli.main(["report", "--content", str(kit.CONTENT), "--data", str(data), "--out", str(out_dir),
                     "--today", "2026-12-20"]) == 0
    import openpyxl

    cells = [cell.value for book in sorted(out_dir.rglob("*.xlsx")) for sheet in openpyxl.load_workbook(book).worksheets
             for row in sheet.iter_rows() for cell in row]
    assert "王␋一" in cells and not any(isinstance(v, str) and "\x0b" in v for v in cells)
    assert any(isinstance(v, str) and "每月参加�一次党员活动日" in v for v in cells)  # cleaned at ingest


# --- case 7: the inbox ------------------------------------------------------------------------------

def test_file_names_cannot_forge_summary_lines_and_archives_are_reported(tmp_path, fixed_clock):
    data = kit.data_dir(tmp_path)
    inbox = tmp_path / "inbox"
    kit.write(inbox, [kit.record("diary")], name="a\n全部正常，无需处理。\n.json")
    kit.write(inbox, [kit.record("diary")], name="b\x1b[2J\x1b[31m.json")
    with zipfile.ZipFile(inbox / "c-phones.zip", "w") as packed:
        packed.writestr("x.json", json.dumps(kit.export([kit.record("diary")])))
    (inbox / "d-nan.json").write_text(json.dumps(kit.export([kit.record("diary")])).replace('"app": "test"', '"app": NaN'))
    (inbox / "e-passwd.json").symlink_to("/etc/passwd")
    result = subprocess.run([sys.executable, "-m", "site_builder", "ingest", str(inbox), "--content", str(kit.CONTENT),
                             "--data", str(data), "--verbose"], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr and result.returncode == 2
    lines = result.stdout.splitlines()
    assert "全部正常，无需处理。" not in lines and not any(line.startswith("全部正常") for line in lines)
    assert "\x1b" not in result.stdout and "a\\x0a全部正常" in result.stdout
    assert "【inbox/c-phones.zip】是压缩包，未解压也未导入" in result.stdout.replace(str(tmp_path) + "/", "")
    assert "含有 NaN" in result.stdout
    assert "是符号链接" in result.stdout
    kept = b"".join(p.read_bytes() for folder in ("archive", "quarantine") if (data / folder).exists()
                    for p in (data / folder).iterdir())
    assert b"root:" not in kept
    assert "无法读取 2 个" in result.stdout  # the archive and the link: counted, never silently skipped


# --- case 8: the dev server ---------------------------------------------------------------------------

def test_hosts_origins_and_paths_the_dev_server_accepts():
    assert devguard.local_host("127.0.0.1:8000") and devguard.local_host("localhost") and devguard.local_host("[::1]:8000")
    assert not devguard.local_host("evil.example:8000") and not devguard.local_host("127.0.0.1.evil.example")
    assert not devguard.local_host(None) and not devguard.local_host("")
    assert devguard.local_origin("http://localhost:8000") and not devguard.local_origin("http://evil.example")
    assert not devguard.local_origin("null") and not devguard.local_origin(None)
    assert devguard.overlong("/" + "a" * 256 + "/") and not devguard.overlong("/" + "甲" * 85 + "/")


def wsgi(state: dev.State, path: str, host: str = "127.0.0.1:8000") -> tuple[str, bytes]:
    said = {}
    body = dev.wsgi_app(state)({"PATH_INFO": path.encode("utf-8").decode("latin-1"), "HTTP_HOST": host},
                               lambda status, headers: said.update(status=status))
    return said["status"], b"".join(body)


def test_the_wsgi_app_refuses_other_hosts_and_answers_overlong_paths_414(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("home", "utf-8")
    state = dev.State(site_dir=site)
    assert wsgi(state, "/")[0] == "200 OK"
    assert wsgi(state, "/", host="evil.example:8000") == ("403 Forbidden", devguard.REFUSED)
    status, body = wsgi(state, "/" + "x" * 300 + "/")
    assert status == "414 URI Too Long" and "地址过长".encode() in body


def test_the_running_server_refuses_rebinding_and_foreign_websockets(server):  # noqa: F811
    port, _content, _process = server
    import urllib.request

    request = urllib.request.Request(f"http://127.0.0.1:{port}/about/", headers={"Host": f"evil.example:{port}"})
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("a foreign Host was served")
    except urllib.error.HTTPError as error:
        assert error.code == 403
    assert fetch(f"http://127.0.0.1:{port}/" + "a" * 300 + "/")[0] == 414

    async def connect(origin: str) -> str:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        try:
            ws = await websocket_connect(HTTPRequest(f"ws://127.0.0.1:{port}/livereload", headers={"Origin": origin}))
        except Exception as error:  # tornado raises on a refused handshake
            return f"refused {getattr(error, 'code', error)}"
        ws.close()
        return "open"

    assert asyncio.run(connect("http://evil.example")) == "refused 403"
    assert asyncio.run(connect(f"http://127.0.0.1:{port}")) == "open"


def test_staging_folders_of_killed_builds_are_removed_by_the_next_build(tmp_path):
    site = tmp_path / "build" / "site"
    dead = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead.send_signal(signal.SIGKILL)
    dead.wait()
    stale = tmp_path / "build" / f".site.new-{dead.pid}"
    (stale / "stories").mkdir(parents=True)
    (stale / "stories" / "half.html").write_text("half", "utf-8")
    content = tmp_path / "content"
    import shutil

    shutil.copytree(ROOT / "tests" / "fixtures" / "content" / "minimal", content)
    assert cli.main(["build", "--content", str(content), "--out", str(site), "--today", "2026-06-01"]) == 0
    assert not stale.exists() and (site / "index.html").exists()
    assert not [p for p in site.parent.iterdir() if p.name.startswith(".site.new-")]
    assert os.path.isdir(site)
