"""A big file's records are prepared in worker processes (ledger/prepare.py through site_builder.pool) while
the main process looks up and writes: the ledger must be the same, row for row and in the same order, as
when every record is prepared in the main process."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import exportkit as kit
import pytest
from test_ingest_scale import big_file, diary, earlier_records, new_id

from site_builder import pool as pool_
from site_builder.ledger import codes, ingest, prepare

pytestmark = pytest.mark.usefixtures("fixed_clock")  # tests/conftest.py

MANY_CARDS_PHONE = "cccccccc-0000-4000-8000-00000000000c"


def rows(path: Path) -> dict[str, list[tuple]]:
    """Every table of the ledger, every row with its rowid, in rowid order (the order it was stored)."""
    conn = sqlite3.connect(path)
    try:
        tables = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall() for table in tables}
    finally:
        conn.close()


def shared_phone_checkins() -> list[dict]:
    """One phone checking in many cards with wrong codes (shared_device, code_guessing), a right code, a
    card and a code typed full-width (the worker changes the record), an unknown activity."""
    right = codes.code_for(kit.KEY, "2026-05-15-yangguang")
    found = [kit.record("checkin", card=f"D03-{n % 40 + 1:04d}", code=f"{n % 1000:06d}") for n in range(300)]
    found += [kit.record("checkin", card="D03-0002", code=right),
              kit.record("checkin", card="Ｄ０３－０００１", code="".join(chr(ord(c) + 0xFEE0) for c in right)),
              kit.record("checkin", activity="2099-01-01-nowhere")]
    return found


def dirty_text() -> list[dict]:
    """Free text with control characters: the file's records are cleaned when checked (text_cleaned)."""
    return [kit.record("diary", text=f"第{n}条\x0b楼道灯\r\n坏了") for n in range(150)] + [kit.record("diary", name="王\x01一")]


def inbox(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "inbox"
    earlier = earlier_records()
    big = big_file(earlier)
    again = big + [kit.record("diary", text="又一条")]  # mostly known: checked in the main process
    return [kit.write(folder, list(earlier.values()), name="a-earlier.json"),
            kit.write(folder, big, name="b-big.json"),
            kit.write(folder, shared_phone_checkins(), name="c-shared.json", device=MANY_CARDS_PHONE),
            _write_escaped(folder / "d-dirty.json", dirty_text()),
            kit.write(folder, again, name="e-again.json", exported_at="2026-06-01T10:00:00+08:00")]


def _write_escaped(path: Path, records: list) -> Path:
    path.write_text(json.dumps(kit.export(records)), "utf-8")  # control characters as \\u escapes, as JSON allows
    return path


@pytest.fixture
def small_parallel(monkeypatch):
    monkeypatch.setattr(ingest, "PARALLEL_MIN", 100)  # every file of inbox() but the first goes to the workers
    monkeypatch.setattr(ingest, "PARALLEL_CHUNK", 97)  # chunks that straddle the batches of 500


def ingest_all(tmp_path: Path, capsys, monkeypatch, files: list[Path], jobs: str) -> tuple[dict, list]:
    """The files into a fresh ledger with `jobs` workers: (rows(), the summaries without their timing)."""
    monkeypatch.setenv(pool_.JOBS_ENV, jobs)
    data = kit.data_dir(tmp_path / f"jobs-{jobs}")
    outs = [kit.ingest(capsys, data, path) for path in files]
    return rows(data / "records.sqlite"), [(status, _untimed(out)) for status, out, _ in outs]


def test_records_prepared_in_workers_are_stored_as_when_prepared_here(tmp_path, capsys, monkeypatch, small_parallel):
    files = inbox(tmp_path)
    sent: list[int] = []
    chunks = pool_.Pool.chunks

    def counted(self, task, items, *args, **kwargs):
        if task is prepare.prepare_chunk:  # not the stories the catalogue loads through the same pool
            sent.append(len(items))
        return chunks(self, task, items, *args, **kwargs)

    monkeypatch.setattr(pool_.Pool, "chunks", counted)
    parallel, parallel_summary = ingest_all(tmp_path, capsys, monkeypatch, files, "2")
    assert sent == [1300, 303, 151]  # these files' records went to the workers; the others' did not
    here, here_summary = ingest_all(tmp_path, capsys, monkeypatch, files, "1")
    assert sent == [1300, 303, 151]
    assert parallel == here
    assert parallel_summary == here_summary
    flags = {flag for _, _, flag, _ in parallel["flags"]}
    assert {"shared_device", "code_guessing", "text_cleaned", "replaces_pending", "unknown_activity"} <= flags
    assert len(parallel["records"]) > 1600 and len(parallel["rejections"]) == 4 + 3  # e-again: b-big's 3 again


PREPARE_CHUNK = prepare.prepare_chunk


def _dying(setting, records):
    """A worker killed while it prepares (out of memory, a kill -9); in the main process, prepare as usual."""
    if str(os.getpid()) != os.environ["TEST_INGEST_MAIN_PID"]:
        os._exit(1)
    return PREPARE_CHUNK(setting, records)


def test_a_worker_that_dies_leaves_the_rest_to_the_main_process(tmp_path, capsys, monkeypatch, small_parallel):
    files = inbox(tmp_path)
    monkeypatch.setenv("TEST_INGEST_MAIN_PID", str(os.getpid()))
    monkeypatch.setattr(prepare, "prepare_chunk", _dying)
    closed: list[bool] = []  # for each pool: whether a worker of it died
    close = pool_.Pool.close
    monkeypatch.setattr(pool_.Pool, "close", lambda self: (closed.append(self._broken), close(self))[1])
    broken = ingest_all(tmp_path, capsys, monkeypatch, files, "2")
    assert True in closed  # a worker did die
    assert broken == ingest_all(tmp_path, capsys, monkeypatch, files, "1")


def _untimed(out: str) -> str:
    return "\n".join(line for line in out.splitlines() if not line.startswith("本次导入"))


def test_what_a_correction_stored_is_known_when_a_later_batch_meets_it(tmp_path, capsys, monkeypatch, small_parallel):
    """With the whole file's ids asked once (a file for the workers), the ids a correction took through
    accept.offer() (the correction, and its original arriving after it) are asked of the ledger again when
    a later batch meets them: the same outcomes as a file checked in the main process."""
    original = kit.record("claim", card="D03-0002")
    correction = dict(original, id=new_id(), replaces=original["id"], pledge="更正在前")
    records = [diary(text=f"第{n}条") for n in range(1200)]
    records[3], records[4] = correction, original
    records[600], records[601] = dict(original), dict(correction)  # the next batch: known
    records[900] = dict(original, pledge="又改了")  # the batch after: a conflict
    files = [kit.write(tmp_path / "inbox", records, name="big.json")]
    parallel, parallel_summary = ingest_all(tmp_path, capsys, monkeypatch, files, "2")
    here, here_summary = ingest_all(tmp_path, capsys, monkeypatch, files, "1")
    assert parallel == here
    assert parallel_summary == here_summary
    assert "新接收 1197 条，已存在 2 条，冲突 1 条" in parallel_summary[0][1]
