"""The top-level guard (site_builder/guard.py, wired in cli.main): an unexpected exception in any command
becomes ONE Chinese line on stderr naming the command (and the file when known) and the log file, exit 1,
never a traceback; the traceback goes to <data>/logs/site-builder.log (beside content/ by default, else
--data, else the temporary folder). An OSError is answered calmly; Ctrl+C exits 130."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

import exportkit as kit

from site_builder import cli, guard
from site_builder.commands import ingest as ingest_command
from site_builder.ledger import archive

REPO = Path(__file__).resolve().parent.parent


def site_builder(*argv: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """The CLI as a subprocess (from cwd, with the repository importable); output decoded strictly."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    result = subprocess.run([sys.executable, "-m", "site_builder", *argv], cwd=cwd, capture_output=True,
                            env=environment)
    result.stdout, result.stderr = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert "Traceback" not in result.stdout + result.stderr
    return result


def one_line(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.mark.parametrize("command", [["check"], ["build", "--out", "out"], ["ingest", "inbox"], ["report"],
                                     ["ledger", "list"], ["codes"], ["new", "story", "标题"]])
def test_unexpected_error_is_one_line_and_a_log_beside_content(tmp_path, command):
    project, elsewhere = tmp_path / "proj", tmp_path / "elsewhere"
    (project / "content").mkdir(parents=True)
    elsewhere.mkdir()
    result = site_builder(*command, "--content", str(project / "content"), cwd=elsewhere,
                          env={guard.CRASH_ENV: "boom\n\x1b[2Jforged line"})
    assert result.returncode == 1 and result.stdout == ""
    line = one_line(result.stderr)
    log = project / "data" / "logs" / "site-builder.log"
    assert line.startswith(f"site-builder {command[0]} 出现意外错误（正在运行测试钩子 {guard.CRASH_ENV}）：RuntimeError: boom。")
    assert f"完整记录已写入 {log}，请把此文件发给维护人员。" in line and "\x1b" not in line
    text = log.read_text("utf-8")
    assert "Traceback (most recent call last)" in text and "RuntimeError: boom" in text
    assert f"command: site-builder {command[0]}" in text and f"cwd: {elsewhere}" in text
    assert not (elsewhere / "data").exists()


def test_log_goes_to_the_data_folder_when_given_and_appends(tmp_path):
    data = tmp_path / "private"
    for text in ("first", "second"):
        result = site_builder("ingest", "x", "--data", str(data), cwd=tmp_path, env={guard.CRASH_ENV: text})
        assert result.returncode == 1 and "完整记录已写入 private/logs/site-builder.log，" in one_line(result.stderr)
    log = (data / "logs" / "site-builder.log").read_text("utf-8")
    assert log.count("Traceback (most recent call last)") == 2 and "RuntimeError: first" in log and "RuntimeError: second" in log


def test_log_falls_back_to_the_temporary_folder(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", "utf-8")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = site_builder("ledger", "list", "--data", str(blocker / "data"), cwd=tmp_path,
                          env={guard.CRASH_ENV: "boom", "TMPDIR": str(temporary)})
    assert result.returncode == 1
    fallback = temporary / f"site-builder-{os.getuid()}" / "site-builder.log"
    line = one_line(result.stderr)
    assert "日志文件夹 a-file/data/logs 无法写入，完整记录已写入 " + str(fallback.relative_to(tmp_path)) in line
    assert "RuntimeError: boom" in fallback.read_text("utf-8")


def test_the_file_being_handled_is_named(tmp_path, monkeypatch, capsys):
    data = kit.data_dir(tmp_path)

    def run(args):
        with guard.doing("导入 inbox/sansong-D03-0001.json"):
            {}["missing"]  # a bug

    monkeypatch.setattr(ingest_command, "run", run)
    status = cli.main(["ingest", "inbox", "--content", str(kit.CONTENT), "--data", str(data)])
    err = capsys.readouterr().err
    assert status == 1
    assert one_line(err).startswith("site-builder ingest 出现意外错误（正在导入 inbox/sansong-D03-0001.json）：KeyError: 'missing'。")
    log = (data / "logs" / "site-builder.log").read_text("utf-8")
    assert "doing: 导入 inbox/sansong-D03-0001.json" in log and "KeyError: 'missing'" in log


def test_a_full_disk_while_ingesting_is_a_calm_line(tmp_path, monkeypatch, capsys):
    data = kit.data_dir(tmp_path)
    inbox = tmp_path / "inbox"
    kit.write(inbox, [kit.record("diary")], name="a.json")

    def keep(folder, digest, name, payload):
        raise OSError(errno.ENOSPC, "No space left on device", str(Path(folder) / f"{digest}.json"))

    monkeypatch.setattr(archive, "keep", keep)
    status = cli.main(["ingest", str(inbox), "--content", str(kit.CONTENT), "--data", str(data)])
    captured = capsys.readouterr()
    assert status == 1 and "Traceback" not in captured.err
    line = one_line(captured.err)
    assert line.startswith("site-builder ingest 失败（正在导入 ") and "a.json）：无法写入 " in line
    assert "磁盘已满（ENOSPC）" in line and "site-builder.log" in line


@pytest.mark.parametrize("out", ["/proc/site-builder-test/site", "{file}/site"])
def test_build_into_an_impossible_folder_is_a_calm_line(tmp_path, out):
    project = tmp_path / "proj"
    (project / "content").parent.mkdir(parents=True)
    import shutil
    shutil.copytree(REPO / "tests" / "fixtures" / "content" / "minimal", project / "content")
    (tmp_path / "file").write_text("a file, not a folder", "utf-8")
    result = site_builder("build", "--content", str(project / "content"), "--out", out.format(file=tmp_path / "file"),
                          cwd=tmp_path)
    assert result.returncode == 1
    line = result.stderr.splitlines()[-1]
    assert line.startswith("site-builder build 失败：无法") and ("文件或文件夹不存在" in line or "不是文件夹" in line), result.stderr
    assert [ln for ln in result.stderr.splitlines() if ln.startswith("site-builder")] == [line]


def test_ingest_into_an_impossible_data_folder_is_a_calm_line(tmp_path):
    inbox = tmp_path / "inbox"
    kit.write(inbox, [kit.record("diary")])
    result = site_builder("ingest", str(inbox), "--content", str(kit.CONTENT), "--data", "/proc/site-builder-test",
                          cwd=tmp_path, env={"TMPDIR": str(tmp_path)})
    assert result.returncode == 1
    line = one_line(result.stderr)
    assert line.startswith("site-builder ingest 失败：无法创建文件夹 /proc/site-builder-test") and "（ENOENT）" in line


def test_ctrl_c_exits_130_without_traceback(monkeypatch, capsys):
    def run(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(ingest_command, "run", run)
    assert cli.main(["ingest", "x"]) == 130
    assert capsys.readouterr().err == "已中断。\n"


def test_errors_of_our_own_kind_keep_their_message(tmp_path):
    result = site_builder("ingest", str(tmp_path / "nope"), "--content", str(kit.CONTENT), "--data", str(tmp_path / "d"),
                          cwd=tmp_path)
    assert result.returncode == 1 and "文件或文件夹不存在" in result.stderr
    assert not (tmp_path / "d" / "logs").exists()  # not a bug: nothing logged


def test_what_failed_names_the_path_and_the_reason():
    error = PermissionError(errno.EACCES, "Permission denied", "/srv/site/index.html")
    assert guard.what_failed(error) == "无法使用 /srv/site/index.html：权限不足（EACCES）"
    odd = OSError(errno.EIO, "Input/output error", "/media/usb/\udcb1\udca8.json")
    assert guard.what_failed(odd) == "无法使用 /media/usb/\\xb1\\xa8.json：读写出错（磁盘或 U 盘可能有问题）（EIO）"
    assert guard.option(["ingest", "--data=/x", "--data", "/y", "--", "--data", "/z"], "--data") == "/y"


def test_a_ledger_that_is_not_a_database_is_named_in_chinese_and_left_as_it_is(tmp_path):
    """SQLite's own words ("file is not a database") come after a Chinese reason, for ingest, report and
    build alike; the file is not touched."""
    data = kit.data_dir(tmp_path)
    ledger = data / "records.sqlite"
    ledger.write_bytes(b"not a database " * 100)
    before = ledger.read_bytes()
    for argv in (["ingest", str(kit.write(tmp_path / "inbox", [kit.record("diary")]))], ["report"],
                 ["build", "--out", str(tmp_path / "site")]):
        result = site_builder(*argv, "--content", str(kit.CONTENT), *(["--data", str(data)] if argv[0] != "build"
                                                                       else ["--ledger", str(ledger)]), cwd=tmp_path)
        assert result.returncode == 1 and "Traceback" not in result.stderr, (argv, result.stderr)
        assert "不是 SQLite 数据库文件（file is not a database）" in result.stderr, (argv, result.stderr)
    assert ledger.read_bytes() == before
