"""Concurrent ingests and honest exits (issue 12, cases 4 and 5), with real subprocesses and a real ledger:
a second ingest waits for the first with a message and never crashes on `database is locked`; a re-run
after a kill lists what the killed run stored that needs attention; exit 1 only when nothing was stored."""

from __future__ import annotations

import errno
import fcntl
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import exportkit as kit

from site_builder.ledger import archive, codes

pytestmark = pytest.mark.usefixtures("fixed_clock")
DEADLINE = 120


def inbox(folder: Path, files: int, wrong_code_first: bool = True) -> Path:
    for n in range(files):
        code = "000000" if (n == 0 and wrong_code_first) else codes.code_for(kit.KEY, "2026-05-15-yangguang")
        kit.write(folder, [kit.record("diary", text=f"第{n}个文件"), kit.record("checkin", code=code)],
                  name=f"f{n:04d}.json")
    return folder


def start(data: Path, folder: Path, stderr) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "site_builder", "ingest", str(folder), "--content", str(kit.CONTENT),
                             "--data", str(data)], stdout=subprocess.PIPE, stderr=stderr, env=dict(os.environ))


def held(lock: Path) -> bool:
    """Whether some process holds the ingest lock (tried without waiting, released at once)."""
    if not lock.exists():
        return False
    handle = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(handle)
    return False


def until(condition, what: str) -> None:
    deadline = time.monotonic() + DEADLINE
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


def committed(data: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{data / 'records.sqlite'}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT count(*) FROM files").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def test_two_ingests_at_once_the_second_waits_and_both_finish(tmp_path):
    folder = inbox(tmp_path / "inbox", 600)
    data = kit.data_dir(tmp_path / "both")
    first = start(data, folder, subprocess.PIPE)
    until(lambda: held(Path(f"{data / 'records.sqlite'}.lock")) or first.poll() is not None, "the first ingest to lock")
    assert first.poll() is None, "the first ingest ended before the second started: make the inbox bigger"
    log = tmp_path / "second.err"
    with open(log, "wb") as err:
        second = start(data, folder, err)
        until(lambda: "另一个 site-builder ingest 正在导入同一台账" in log.read_text("utf-8") or second.poll() is not None,
              "the second ingest to say it waits")
        out_first, err_first = first.communicate(timeout=DEADLINE)
        out_second, _ = second.communicate(timeout=DEADLINE)
    said = log.read_text("utf-8")
    assert "另一个 site-builder ingest 正在导入同一台账，等它结束后再开始" in said and "Traceback" not in said
    assert "database is locked" not in said + out_second.decode() + err_first.decode()
    assert first.returncode == 2 and second.returncode == 0  # the first run reports the wrong code; the second has nothing new
    assert "合计：600 个文件（其中已处理过 600 个" in out_second.decode()
    reference = kit.data_dir(tmp_path / "alone")
    alone = start(reference, folder, subprocess.PIPE)
    alone.communicate(timeout=DEADLINE)
    assert kit.dump(data / "records.sqlite") == kit.dump(reference / "records.sqlite")


def test_a_rerun_after_a_kill_shows_what_the_killed_run_stored(tmp_path):
    folder = inbox(tmp_path / "inbox", 200)
    data = kit.data_dir(tmp_path)
    killed = start(data, folder, subprocess.PIPE)
    until(lambda: committed(data) >= 3 or killed.poll() is not None, "three files to be committed")
    killed.send_signal(signal.SIGKILL)
    killed.communicate(timeout=DEADLINE)
    assert killed.returncode == -signal.SIGKILL and 3 <= committed(data) < 200
    rerun = subprocess.run([sys.executable, "-m", "site_builder", "ingest", str(folder), "--content", str(kit.CONTENT),
                            "--data", str(data)], capture_output=True, text=True, timeout=DEADLINE)
    assert "Traceback" not in rerun.stderr
    assert "上次导入在中途停止（进程被终止或出错）；中断前已存入" in rerun.stdout
    assert "【f0000.json】签到码不符（待确认） 1 条" in rerun.stdout
    assert rerun.returncode == 2 and "全部正常" not in rerun.stdout
    again = subprocess.run([sys.executable, "-m", "site_builder", "ingest", str(folder), "--content", str(kit.CONTENT),
                            "--data", str(data)], capture_output=True, text=True, timeout=DEADLINE)
    assert again.returncode == 0 and "全部正常，无需处理。" in again.stdout and "上次导入" not in again.stdout


@pytest.mark.parametrize("fail_at, status", [(3, 2), (1, 1)])
def test_a_failing_data_folder_mid_run_exits_by_what_was_stored(tmp_path, capsys, monkeypatch, fail_at, status):
    folder = inbox(tmp_path / "inbox", 5, wrong_code_first=False)
    data = kit.data_dir(tmp_path)
    calls = [0]
    keep = archive.keep

    def full_disk(*args, **kwargs):
        calls[0] += 1
        if calls[0] == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device", str(data / "archive"))
        return keep(*args, **kwargs)

    monkeypatch.setattr(archive, "keep", full_disk)
    code, out, err = kit.ingest(capsys, data, folder, verbose=False)
    assert code == status and "Traceback" not in out + err
    if status == 2:  # two files stored: say so, and what stopped the run
        assert "导入在中途停止：" in out and "磁盘已满" in out and "此前存入的 2 个文件已保存" in out
        assert committed(data) == 2
    else:  # nothing stored: exit 1 means nothing was ingested
        assert "磁盘已满" in err and committed(data) == 0
