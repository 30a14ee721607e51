"""Hostile input to `site-builder ingest`: every bad file gets a located Chinese answer, is quarantined
(or its bad record rejected) with the reason, never stops the good files after it in the same folder,
and changes nothing already stored. The CLI runs as a subprocess: no traceback, documented exit status."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import exportkit as kit

from site_builder.ledger import accept, catalogue, db, formats, ingest, roster

GOOD_JSON = json.dumps(kit.export([kit.record("diary")]), ensure_ascii=False)
GOOD = kit.export([kit.record("diary")])
STORED = ("records", "flags", "checkins", "conflicts", "rejections", "decisions")


def _nested(depth: int) -> bytes:
    """A valid export whose first record carries an extra field nested `depth` levels inside it."""
    record = kit.record("diary")
    record["extra"] = "@"
    text = json.dumps(kit.export([record]))
    return text.replace('"@"', "[" * depth + "]" * depth).encode()


def _with_app(literal: str) -> bytes:
    """A valid export whose (optional) `app` field is the raw JSON literal given."""
    return json.dumps(GOOD).replace('"app": "test"', f'"app": {literal}').encode()


# name -> (bytes, what the reason says)
QUARANTINED = {
    "deep-100000.json": (b'{"format": "sansong-records", "records": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
                         "JSON 嵌套层数过多"),
    "deep-65.json": (_nested(62), "JSON 嵌套超过 64 层"),
    "bigint.json": (_with_app("9" * 5000), "整数位数过多（5,000 位，最多 32 位）"),
    "bigint-33.json": (_with_app("1" * 33), "第 1 行第"),
    "inf.json": (_with_app("1e999"), "数字 1e999 超出范围"),
    "nan.json": (_with_app("NaN"), "含有 NaN"),
    "infinity.json": (_with_app("-Infinity"), "含有 -Infinity"),
    "raw-control.json": (json.dumps(GOOD).replace('"app": "test"', '"app": "a\x0bb"').encode(), "不允许的控制字符 \\x0b"),
    "device-surrogate.json": (json.dumps(dict(GOOD, device="\ud800")).encode(), "文件信息 device 含有残缺的 UTF-16 代理字符 \\ud800"),
    "device-nul.json": (json.dumps(dict(GOOD, device="a\x00b")).encode(), "文件信息 device 含有控制字符 \\x00"),
    "binary.csv": (bytes(range(256)) * 40, "是二进制文件"),
    "not-text.csv": (bytes(range(128, 256)) * 40, "不是文本表格"),
    "utf16.csv": ("card,period,community,grade\n".encode("utf-16"), "UTF-16"),
    "huge-field.csv": (b'card,period,community,grade\nD03-0001,2026H1,yangguang,"' + b"x" * 200_000 + b'"\n',
                       "第 2 行无法读取：有一个单元格超过 131,072 个字符"),
}


pytestmark = pytest.mark.usefixtures("fixed_clock")  # tests/conftest.py


def write_ascii(folder: Path, records: list, name: str, **envelope) -> Path:
    """An export file with every non-ASCII character escaped, so it can carry a lone surrogate (\\ud800)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(kit.export(records, **envelope)), "ascii")
    return path


def run_cli(data: Path, *paths: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`site-builder ingest` as a subprocess; stdout and stderr decoded strictly as UTF-8."""
    result = subprocess.run([sys.executable, "-m", "site_builder", "ingest", *map(str, paths),
                             "--content", str(kit.CONTENT), "--data", str(data), "--verbose"],
                            capture_output=True, env={**os.environ, **(env or {})})
    result.stdout, result.stderr = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


@pytest.fixture
def stored(tmp_path):
    """A data folder whose ledger already holds records of every kind (and a dump of it)."""
    data = kit.data_dir(tmp_path)
    first = tmp_path / "first"
    kit.write(first, [kit.record(t) for t in ("registration", "claim", "checkin", "diary", "evaluation")])
    assert run_cli(data, first).returncode == 0
    return data


def ledger_file(data: Path) -> Path:
    return data / "records.sqlite"


def files_rows(data: Path) -> dict[str, tuple]:
    conn = sqlite3.connect(ledger_file(data))
    try:
        return {row[1]: row for row in conn.execute("SELECT sha256, name, status, reason FROM files")}
    finally:
        conn.close()


def assert_nothing_stored_but(before: dict, after: dict, new_files: set[str]) -> None:
    """Every table as before, but the files table, which gained exactly new_files (by sha256)."""
    for table in STORED:
        assert after[table] == before[table], table
    assert set(before["files"]) <= set(after["files"])
    assert {row[0] for row in after["files"]} - {row[0] for row in before["files"]} == new_files


def assert_added_only_from(before: dict, after: dict, shas: set[str]) -> None:
    """What was stored stays as it was; every new record comes from one of the files `shas`."""
    for table in STORED:
        assert set(before[table]) <= set(after[table]), table
    new_records = set(after["records"]) - set(before["records"])
    assert new_records and {row[9] for row in new_records} <= shas


@pytest.mark.parametrize("name", sorted(QUARANTINED))
def test_poisonous_file_is_quarantined_and_changes_nothing(tmp_path, stored, name):
    payload, reason = QUARANTINED[name]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_bytes(payload)
    before = kit.dump(ledger_file(stored))
    result = run_cli(stored, inbox)
    assert result.returncode == 2 and result.stderr == ""
    line = next(line for line in result.stdout.splitlines() if line.startswith("【"))
    assert f"{name}】无法读取，已隔离：" in line and reason in line, line
    sha, _, status, why = files_rows(stored)[name]
    assert status == "quarantined" and reason in why
    suffix = Path(name).suffix
    assert (stored / "quarantine" / f"{sha}{suffix}").read_bytes() == payload
    assert (stored / "archive" / f"{sha}{suffix}").read_bytes() == payload
    assert_nothing_stored_but(before, kit.dump(ledger_file(stored)), {sha})


@pytest.mark.parametrize("name", ["deep-100000.json", "bigint.json", "nan.json", "device-surrogate.json",
                                  "binary.csv", "huge-field.csv"])
def test_poisonous_file_followed_by_good_files_in_one_folder(tmp_path, stored, name):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / f"0-{name}").write_bytes(QUARANTINED[name][0])
    goods = [kit.write(inbox, [kit.record("diary", text=f"第{n}份")], name=f"1-good-{n}.json") for n in range(2)]
    sheet = inbox / "2-good.csv"
    sheet.write_text("card,period,community,grade\nD03-0002,2026H1,yangguang,优秀\n", "utf-8")
    before = kit.dump(ledger_file(stored))
    result = run_cli(stored, inbox)
    assert result.returncode == 2
    lines = [line for line in result.stdout.splitlines() if line.startswith("【")]
    assert len(lines) == 4 and "已隔离" in lines[0]
    assert all("新接收 1 条" in line for line in lines[1:]), lines
    rows = files_rows(stored)
    assert rows[f"0-{name}"][2] == "quarantined"
    assert_added_only_from(before, kit.dump(ledger_file(stored)), {rows[p.name][0] for p in (*goods, sheet)})
    assert "合计：4 个文件（其中已处理过 0 个，隔离 1 个）" in result.stdout


def _rejections(data: Path) -> list[tuple]:
    conn = sqlite3.connect(ledger_file(data))
    try:
        return conn.execute("SELECT position, record_id, reason FROM rejections ORDER BY position").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize("field, value, reason", [
    ("name", "\ud800", "姓名 name 含有残缺的 UTF-16 代理字符 \\ud800"),
    ("name", "王\x0b一", "姓名 name 含有控制字符 \\x0b"),
    ("card", "D03-\ud800", "报到卡号 card 含有残缺的 UTF-16 代理字符 \\ud800"),
    ("branch", "第一\x1b[2J支部", "党支部 branch 含有控制字符 \\x1b"),
])
def test_bad_character_in_a_record_field_rejects_that_record_only(tmp_path, stored, field, value, reason):
    bad = kit.record("registration", **{field: value})
    good = kit.record("claim")
    inbox = tmp_path / "inbox"
    write_ascii(inbox, [bad, good], name="mixed.json")
    before = kit.dump(ledger_file(stored))
    result = run_cli(stored, inbox)
    assert result.returncode == 2
    assert "mixed.json】新接收 1 条，已存在 0 条，冲突 0 条，退回 1 条" in result.stdout
    assert f"退回 第 1 条记录（{bad['id']}）：{reason}" in result.stdout
    assert "\x1b" not in result.stdout and "\x0b" not in result.stdout
    (position, record_id, why), = _rejections(stored)
    assert (position, record_id) == (0, bad["id"]) and reason in why
    after = kit.dump(ledger_file(stored))
    assert set(before["records"]) < set(after["records"]) and len(after["records"]) == len(before["records"]) + 1
    assert bad["id"] not in {row[0] for row in after["records"]}


def test_control_characters_in_free_text_are_cleaned_and_flagged(tmp_path, stored):
    diary = kit.record("diary", text="三号楼\x0b楼道灯\x00坏了\r\n第二行\t完", topic="楼道\ud800照明", extra={"k\x01": "v\x02"})
    inbox = tmp_path / "inbox"
    write_ascii(inbox, [diary], name="dirty.json")
    result = run_cli(stored, inbox)
    assert result.returncode == 2  # text_cleaned needs a look
    assert "新接收 1 条" in result.stdout and "标记 文字含控制字符或残缺字符（已显示为 �）：1 条" in result.stdout
    conn = sqlite3.connect(ledger_file(stored))
    body = json.loads(conn.execute("SELECT body FROM records WHERE id = ?", (diary["id"],)).fetchone()[0])
    flags = conn.execute("SELECT flag FROM flags WHERE record_id = ?", (diary["id"],)).fetchall()
    assert body["text"] == "三号楼�楼道灯�坏了\n第二行\t完" and body["topic"] == "楼道�照明"
    assert body["extra"] == {"k�": "v�"}
    assert ("text_cleaned",) in flags
    again = tmp_path / "again"  # the same record in other bytes: the same cleaned record, already known
    write_ascii(again, [diary], name="dirty-again.json", exported_at="2026-06-01T10:00:00+08:00")
    assert "已存在 1 条" in run_cli(stored, again).stdout


def test_formula_cell_in_a_sheet_rejects_that_row_only(tmp_path, stored):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "测评.csv").write_text(
        "card,period,community,grade,notes\n"
        'D03-0001,2026H1,yangguang,优秀,"=HYPERLINK(""http://evil.example/"",""点此"")"\n'
        "D03-0002,2026H1,yangguang,合格,-按时完成\n"
        "D01-0001,2026H1,yangguang,@SUM(1+1),好\n", "utf-8")
    before = kit.dump(ledger_file(stored))
    result = run_cli(stored, inbox)
    assert result.returncode == 2
    assert "新接收 1 条，已存在 0 条，冲突 0 条，退回 2 条" in result.stdout
    assert "退回 第 2 行" in result.stdout and "列 notes 是电子表格公式（=HYPERLINK(" in result.stdout
    assert "退回 第 4 行" in result.stdout and "列 grade 是电子表格公式（@SUM(1+1)）" in result.stdout
    after = kit.dump(ledger_file(stored))
    assert set(before["records"]) < set(after["records"])
    (added,) = set(after["records"]) - set(before["records"])
    assert json.loads(added[7])["notes"] == "-按时完成"  # a leading - is text, not a formula


def test_file_name_not_utf8_and_with_control_characters(tmp_path, stored):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    gbk = os.path.join(os.fsencode(inbox), "报到".encode("gbk") + b".json")
    with open(gbk, "wb") as handle:
        handle.write(json.dumps(kit.export([kit.record("diary")])).encode())
    forged = inbox / "x\n【y.json】新接收 99 条\x1b[2K.json"
    forged.write_text(json.dumps(kit.export([kit.record("claim")])), "utf-8")
    result = run_cli(stored, inbox)  # stdout decodes as UTF-8 (run_cli)
    assert result.returncode == 0, result.stdout
    lines = [line for line in result.stdout.splitlines() if line.startswith("【")]
    assert len(lines) == 2 and not any("新接收 99 条" in line and line.startswith("【y.json") for line in lines)
    assert "\\xb1\\xa8\\xb5\\xbd.json】新接收 1 条" in result.stdout
    assert "x\\x0a【y.json】新接收 99 条\\x1b[2K.json】新接收 1 条" in result.stdout
    assert "\x1b" not in result.stdout
    assert {"\\xb1\\xa8\\xb5\\xbd.json", "x\\x0a【y.json】新接收 99 条\\x1b[2K.json"} <= set(files_rows(stored))


def test_symlinks_and_special_files_in_a_folder_are_reported_not_followed(tmp_path, stored):
    inbox, elsewhere = tmp_path / "inbox", tmp_path / "elsewhere"
    target = kit.write(elsewhere, [kit.record("diary")], name="target.json")
    inbox.mkdir()
    (inbox / "a-link.json").symlink_to(target)
    (inbox / "b-folder-link").symlink_to(elsewhere, target_is_directory=True)
    (inbox / "c-dangling.json").symlink_to(tmp_path / "nowhere.json")
    os.mkfifo(inbox / "d-pipe.json")  # reading it would block: it must not be opened
    kit.write(inbox, [kit.record("claim")], name="e-good.json")
    before = kit.dump(ledger_file(stored))
    result = run_cli(stored, inbox)
    assert result.returncode == 2
    lines = [line for line in result.stdout.splitlines() if line.startswith("【")]
    assert [line.split("】")[0].rsplit("/", 1)[-1] for line in lines] == \
        ["a-link.json", "b-folder-link", "c-dangling.json", "d-pipe.json", "e-good.json"]
    assert "是符号链接" in lines[0] and "是指向文件夹的符号链接" in lines[1] and "是符号链接" in lines[2]
    assert "不是普通文件" in lines[3] and "新接收 1 条" in lines[4]
    assert "无法读取 4 个" in result.stdout
    after = kit.dump(ledger_file(stored))
    assert set(files_rows(stored)) == {r[1] for r in after["files"]} and "target.json" not in files_rows(stored)
    assert len(after["records"]) == len(before["records"]) + 1
    explicit = run_cli(stored, inbox / "a-link.json")  # named on the command line: followed
    assert explicit.returncode == 0 and "新接收 1 条" in explicit.stdout


# --- in-process: a file that vanishes, a folder or file without permission, a surprise -----------

def settings(data: Path) -> accept.Settings:
    today = dt.date(2026, 12, 31)
    return accept.Settings(catalogue.load(kit.CONTENT, today), kit.KEY, roster.load(data / "roster.csv"), kit.NOW)


def test_file_that_vanishes_between_listing_and_reading(tmp_path, stored):
    inbox = tmp_path / "inbox"
    first = kit.write(inbox, [kit.record("diary")], name="a.json")
    gone = kit.write(inbox, [kit.record("diary")], name="b.json")
    last = kit.write(inbox, [kit.record("claim")], name="c.json")
    before = kit.dump(ledger_file(stored))
    found = ingest.collect([inbox])
    listed = [next(found)]  # the folder has been listed now
    gone.unlink()
    conn = db.connect(ledger_file(stored))
    try:
        reports = list(ingest.ingest_each(conn, [*listed, *found], stored, settings(stored)))
    finally:
        conn.close()
    assert [(Path(r.name).name, r.status) for r in reports] == \
        [("a.json", "ingested"), ("b.json", "unreadable"), ("c.json", "ingested")]
    assert "文件在列出之后消失了" in reports[1].reason and reports[1].needs_attention
    assert_added_only_from(before, kit.dump(ledger_file(stored)),
                           {r.sha256 for r in reports if r.status == "ingested"})
    assert first.exists() and last.exists()


def test_folder_and_file_without_permission(tmp_path, stored, monkeypatch, capsys):
    inbox = tmp_path / "inbox"
    kit.write(inbox / "a-locked", [kit.record("diary")], name="x.json")
    secret = kit.write(inbox, [kit.record("diary")], name="b-secret.json")
    kit.write(inbox, [kit.record("claim")], name="c-good.json")
    real_scandir, real_open = os.scandir, os.open

    def scandir(path="."):  # as if a-locked were mode 000 (the tests may run as root, who may read anything)
        if Path(path).name == "a-locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def open_(path, flags, *args, **kwargs):
        if Path(path) == secret:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(ingest.os, "scandir", scandir)
    monkeypatch.setattr(ingest.os, "open", open_)
    before = kit.dump(ledger_file(stored))
    status, out, err = kit.ingest(capsys, stored, inbox)
    assert status == 2 and err == ""
    assert "a-locked】文件夹无法打开：权限不足（EACCES），其中的文件未导入" in out
    assert "b-secret.json】无法读取：权限不足（EACCES），未导入" in out
    assert "c-good.json】新接收 1 条" in out and "无法读取 2 个" in out
    after = kit.dump(ledger_file(stored))
    assert len(after["records"]) == len(before["records"]) + 1 and set(before["records"]) < set(after["records"])


def test_unexpected_error_in_one_file_quarantines_it_and_the_rest_go_on(tmp_path, stored, monkeypatch, capsys):
    inbox = tmp_path / "inbox"
    poison = kit.record("diary", text="触发意外错误")
    kit.write(inbox, [kit.record("diary"), poison], name="a-poison.json")
    kit.write(inbox, [kit.record("claim")], name="b-good.json")
    real = accept.record_flags

    def record_flags(record, settings, body=""):
        if record.get("text") == "触发意外错误":
            raise ZeroDivisionError("a bug")
        return real(record, settings, body)

    monkeypatch.setattr(accept, "record_flags", record_flags)
    before = kit.dump(ledger_file(stored))
    status, out, err = kit.ingest(capsys, stored, inbox)
    assert status == 2 and err == ""
    assert "a-poison.json】无法读取，已隔离：处理此文件时出现意外错误（ZeroDivisionError），已隔离，台账未改动" in out
    assert "b-good.json】新接收 1 条" in out
    row = files_rows(stored)["a-poison.json"]
    assert row[2] == "quarantined" and (stored / "quarantine" / f"{row[0]}.json").exists()
    log = (stored / "logs" / "site-builder.log").read_text("utf-8")
    assert "ZeroDivisionError: a bug" in log and "doing: ingest " in log and "a-poison.json" in log
    after = kit.dump(ledger_file(stored))
    rows = files_rows(stored)
    assert_added_only_from(before, after, {rows["b-good.json"][0]})  # the poison file's first record was rolled back


def test_limits_are_the_documented_ones():
    docs = (Path(__file__).resolve().parent.parent / "docs" / "export-format.md").read_text("utf-8")
    assert formats.MAX_DEPTH == 64 and formats.MAX_DIGITS == 32 and formats.MAX_BYTES == 20 * 1024 * 1024
    assert "64 levels" in docs and "| digits of an integer | 32" in docs
    assert formats.decode(_nested(61))["format"] == "sansong-records"  # 64 levels exactly: readable
    assert formats.decode(_with_app("1" * 32))["app"] == int("1" * 32)  # 32 digits: readable


def test_organisers_tables_that_are_not_text_are_usage_errors(tmp_path, stored):
    """The roster and a confirmation CSV are the organisers' own files: a bad one stops the command before
    anything is written (exit 1, located, in Chinese), never a traceback."""
    before = kit.dump(ledger_file(stored))
    huge = b'record_id,decision\n"' + b"x" * 200_000 + b'",\xe7\xa1\xae\xe8\xae\xa4\n'
    for name, payload, expected in [("binary.csv", bytes(range(256)), "确认表不是文本表格"),
                                    ("huge.csv", huge, "huge.csv:2：确认表无法读取：有一个单元格超过 131,072 个字符")]:
        (tmp_path / name).write_bytes(payload)
        result = subprocess.run([sys.executable, "-m", "site_builder", "ledger", "decide", str(tmp_path / name),
                                 "--content", str(kit.CONTENT), "--data", str(stored)], capture_output=True, text=True)
        assert result.returncode == 1 and expected in result.stderr and "Traceback" not in result.stderr
    (stored / "roster.csv").write_bytes(bytes(range(256)))
    inbox = tmp_path / "inbox"
    kit.write(inbox, [kit.record("diary")])
    result = run_cli(stored, inbox)
    assert result.returncode == 1 and "roster.csv：花名册不是文本表格" in result.stderr
    assert kit.dump(ledger_file(stored)) == before
