"""Every kind of unreadable file is archived, quarantined with a clear Chinese reason, and never
stops the other files; the CLI prints no traceback and exits 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import exportkit as kit

GOOD = kit.export([kit.record("diary")])
BAD_FILES = {
    "not-json.json": (b"hello, this is a letter", "不是 JSON 格式"),
    "gbk.json": ("{\"format\": \"三送三促\"}".encode("gbk"), "不是 UTF-8 编码"),
    "foreign.json": (json.dumps({"type": "FeatureCollection", "features": []}).encode(), "不是三送三促导出的记录文件"),
    "list.json": (b"[1, 2, 3]", "不是三送三促导出的记录文件"),
    "future.json": (json.dumps(dict(GOOD, version=7)).encode(), "导出格式版本 7 无法识别"),
    "wrong-types.json": (json.dumps(dict(GOOD, records={"a": 1}, exported_at=5)).encode(), "文件结构不对"),
    "truncated.json": (json.dumps(GOOD).encode()[:-40], "文件不完整"),
    "empty.json": (b"", "空文件"),
    "evaluation-wrong-header.csv": ("姓名,分数\n王一,90\n".encode(), "不是民主测评表"),
}


pytestmark = pytest.mark.usefixtures("fixed_clock")  # tests/conftest.py


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_file_is_quarantined_with_reason(tmp_path, capsys, name):
    data = kit.data_dir(tmp_path)
    payload, reason = BAD_FILES[name]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_bytes(payload)
    good = kit.write(inbox, [kit.record("claim")], name="sansong-D03-0001-20260516-120000.json")
    status, out, err = kit.ingest(capsys, data, inbox)
    assert status == 2 and err == ""
    assert reason in out and f"{name}】无法读取，已隔离" in out
    assert f"{good.name}】新接收 1 条" in out
    row = kit.ledger(data).execute("SELECT sha256, status, reason FROM files WHERE name = ?", (name,)).fetchone()
    assert row[1] == "quarantined" and reason in row[2]
    suffix = Path(name).suffix
    assert (data / "quarantine" / f"{row[0]}{suffix}").read_bytes() == payload
    assert (data / "archive" / f"{row[0]}{suffix}").read_bytes() == payload


def test_oversized_file_is_quarantined_without_parsing(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    big = tmp_path / "big.json"
    with open(big, "wb") as handle:
        handle.write(b'{"format": "sansong-records", "records": ["' + b"x" * (21 * 1024 * 1024) + b'"]}')
    status, out, _ = kit.ingest(capsys, data, big)
    assert status == 2 and "文件过大" in out and "20 MB" in out
    digest = kit.ledger(data).execute("SELECT sha256 FROM files").fetchone()[0]
    assert (data / "quarantine" / f"{digest}.json").stat().st_size == big.stat().st_size
    assert (data / "archive" / f"{digest}.json").read_bytes() == big.read_bytes()
    assert kit.ingest(capsys, data, big)[1].count("此文件之前已被隔离") == 1


def test_missing_path_is_a_usage_error_without_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "site_builder", "ingest", str(tmp_path / "nope"),
                             "--content", str(kit.CONTENT), "--data", str(tmp_path / "data")],
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "文件或文件夹不存在" in result.stderr and "Traceback" not in result.stderr


def test_cli_subprocess_summary_is_chinese_and_exit_two(tmp_path):
    data = kit.data_dir(tmp_path)
    inbox = tmp_path / "inbox"
    kit.write(inbox, [kit.record("checkin", code="999999")])
    (inbox / "junk.json").write_bytes(b"\xff\xfe\x00junk")
    result = subprocess.run([sys.executable, "-m", "site_builder", "ingest", str(inbox), "--content", str(kit.CONTENT),
                             "--data", str(data)], capture_output=True, text=True)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "合计：2 个文件" in result.stdout and "需要处理" in result.stdout and "不是 UTF-8" in result.stdout


def test_hidden_files_and_other_suffixes_in_folders_are_ignored(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    inbox = tmp_path / "inbox"
    kit.write(inbox, [kit.record("diary")])
    (inbox / "notes.txt").write_text("hi", "utf-8")
    (inbox / ".hidden.json").write_text("nope", "utf-8")
    status, out, _ = kit.ingest(capsys, data, inbox)
    assert status == 0 and "合计：1 个文件" in out


@pytest.mark.parametrize("argv", [["ingest"], ["ledger", "list", "--type", "bogus"],
                                  ["codes", "--days", "many"]])
def test_malformed_command_line_exits_1_not_2(argv):
    result = subprocess.run([sys.executable, "-m", "site_builder", *argv], capture_output=True, text=True)
    assert result.returncode == 1 and "error:" in result.stderr and "Traceback" not in result.stderr


def test_summary_puts_problems_first_and_notes_in_one_line_per_kind(tmp_path, capsys):
    """Without --verbose a file with nothing to look at says nothing; problems are counted by kind before
    the totals; notes that need nothing done (hours capped at the plan) take one line."""
    data = kit.data_dir(tmp_path)
    inbox = tmp_path / "inbox"
    for n in range(5):  # five check-ins longer than planned: capped, nothing to do
        kit.write(inbox, [kit.record("checkin", checked_in_at="2026-05-15T09:00:00+08:00",
                                     checked_out_at="2026-05-15T13:00:00+08:00")], name=f"fine-{n}.json")
    (inbox / "broken.json").write_bytes(b"not json")
    status, out, _ = kit.ingest(capsys, data, inbox, verbose=False)
    assert status == 2
    lines = out.splitlines()
    assert not any("fine-" in line for line in lines)  # nothing to say about them
    assert "broken.json】无法读取，已隔离" in lines[0]  # the problem first
    needs = next(i for i, line in enumerate(lines) if line.startswith("需要处理"))
    total = next(i for i, line in enumerate(lines) if line.startswith("合计"))
    assert needs < total and "隔离 1 个文件" in lines[needs]
    assert [line for line in lines if "时长超过计划" in line] == ["说明（无需处理）：时长超过计划（按计划封顶） 5 条。"]


def test_a_big_files_copy_is_kept_while_it_is_parsed(tmp_path, capsys, monkeypatch):
    """A file from ingest.KEEP_ASIDE_MIN bytes is archived in a thread while it is parsed: the copy is on disk
    when the ledger takes the file; a copy that cannot be written stops the run, and the ledger holds
    nothing of the file."""
    from site_builder.ledger import archive, ingest

    monkeypatch.setattr(ingest, "KEEP_ASIDE_MIN", 0)  # every file is big
    data = kit.data_dir(tmp_path)
    good = kit.write(tmp_path, [kit.record("claim")], name="sansong-D03-0001-20260516-120000.json")
    bad = tmp_path / "not-json.json"
    bad.write_bytes(b"hello, this is a letter")
    status, out, _ = kit.ingest(capsys, data, good, bad)
    assert status == 2 and f"{good.name}】新接收 1 条" in out and "不是 JSON 格式" in out
    for name, digest in kit.ledger(data).execute("SELECT name, sha256 FROM files"):
        assert (data / "archive" / f"{digest}.json").read_bytes() == (tmp_path / name).read_bytes()
    assert "已接收" in kit.ingest(capsys, data, good)[1]  # seen: the copy is there already

    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(archive, "keep", full)
    other = kit.write(tmp_path, [kit.record("diary")], name="sansong-D03-0001-20260517-120000.json")
    status, out, _ = kit.ingest(capsys, data, other)
    assert status == 1 and "Traceback" not in out
    assert kit.ledger(data).execute("SELECT count(*) FROM files WHERE name = ?", (other.name,)).fetchone()[0] == 0
