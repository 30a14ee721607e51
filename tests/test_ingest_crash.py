"""kill -9 at many points of an ingest leaves a consistent ledger, and a re-run finishes the job:
the result equals one clean run. The kill comes from SITE_BUILDER_CRASH_AFTER=N (SIGKILL when the Nth
SQL statement starts) and, for timing-based kills, from a signal sent by the test."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import exportkit as kit


def make_inbox(folder: Path) -> Path:
    """Fourteen files: plain, re-export, conflict, correction (both orders), bad records, bad files."""
    base = [kit.record("registration"), kit.record("claim"), kit.record("checkin", checked_out_at=None)]
    kit.write(folder, base, name="sansong-D03-0001-20260516-080000.json")
    kit.write(folder, base + [kit.record("diary")], name="sansong-D03-0001-20260520-080000.json")
    kit.write(folder, [dict(base[1], pledge="改过")], name="sansong-D03-0001-20260521-080000.json")
    fixed = dict(base[2], id="0b7e9c1a-1111-4222-8333-444455556666", replaces=base[2]["id"],
                 checked_out_at="2026-05-15T10:00:00+08:00", created_at="2026-05-17T09:00:00+08:00")
    kit.write(folder, [fixed], name="sansong-D03-0001-20260522-080000.json")
    later = kit.record("claim", card="D03-0002", created_at="2026-05-10T09:00:00+08:00")
    kit.write(folder, [dict(later, id="9b7e9c1a-1111-4222-8333-444455556666", replaces=later["id"], pledge="新承诺")],
              name="sansong-D03-0002-20260511-080000.json")
    kit.write(folder, [later], name="sansong-D03-0002-20260512-080000.json")
    for n in range(6):
        card = f"D01-{n + 1:04d}"
        kit.write(folder, [kit.record("registration", card=card, department="D01"), kit.record("checkin", card=card, code="123456"),
                           {"id": "bad"}], name=f"sansong-{card}-20260601-0800{n:02d}.json")
    (folder / "junk.json").write_bytes(b"{\"format\": \"sansong-records\", \"version\": 1, \"rec")
    (folder / "民主测评-2026H1.csv").write_text(
        "card,period,community,grade,pledge_done,notes,important\nD03-0001,2026H1,yangguang,优秀,已完成,,\n", "utf-8")
    return folder


def run(data: Path, inbox: Path, crash_after: int | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, SITE_BUILDER_NOW=kit.NOW)
    env.pop("SITE_BUILDER_CRASH_AFTER", None)
    if crash_after:
        env["SITE_BUILDER_CRASH_AFTER"] = str(crash_after)
    return subprocess.run([sys.executable, "-m", "site_builder", "ingest", str(inbox), "--content", str(kit.CONTENT),
                           "--data", str(data)], capture_output=True, text=True, env=env)


def state(data: Path) -> tuple[dict, list[str], list[str]]:
    kept = lambda folder: sorted(p.name for p in (data / folder).iterdir() if not p.name.endswith(".tmp"))  # noqa: E731
    return kit.dump(data / "records.sqlite"), kept("archive"), kept("quarantine")


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clean")
    inbox = make_inbox(tmp / "inbox")
    data = kit.data_dir(tmp)
    assert run(data, inbox).returncode == 2
    return inbox, state(data)


def test_clean_run_has_every_kind_of_outcome(clean):
    _, (dump, archived, quarantined) = clean
    assert len(dump["files"]) == 14 and len(quarantined) == 1 and len(archived) == 14
    assert dump["conflicts"] and dump["rejections"]
    assert sum(1 for r in dump["records"] if r[6] is not None) == 2  # two corrections applied


@pytest.mark.parametrize("crash_after", [1, 4, 9, 14, 18, 22, 27, 33, 41, 52, 60, 75, 90, 110, 130, 150, 170, 185])
def test_kill_at_statement_then_rerun_equals_clean_run(tmp_path, clean, crash_after):
    inbox, expected = clean
    data = kit.data_dir(tmp_path)
    killed = run(data, inbox, crash_after)
    assert killed.returncode == -signal.SIGKILL, f"statement {crash_after} was never reached: {killed.stdout[-300:]}"
    finished = run(data, inbox)
    assert finished.returncode == 2 and "Traceback" not in finished.stderr
    assert state(data) == expected


def files_recorded(data: Path) -> int:
    """Files the ledger has recorded so far (read while another process writes: WAL lets it)."""
    ledger = data / "records.sqlite"
    if not ledger.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{ledger}?mode=ro", uri=True, timeout=1)) as conn:
            return conn.execute("SELECT count(*) FROM files").fetchone()[0]
    except sqlite3.Error:  # the schema is not there yet
        return 0


@pytest.mark.parametrize("files_before_kill", [1, 7])
def test_kill_mid_ingest_then_rerun_equals_clean_run(tmp_path, clean, files_before_kill):
    """SIGKILL once the ledger holds some files (a condition, not a fixed wait); the kill must land while
    ingest is still running, with part of the folder stored, and a re-run must finish the job."""
    inbox, expected = clean
    data = kit.data_dir(tmp_path)
    env = dict(os.environ, SITE_BUILDER_NOW=kit.NOW)
    process = subprocess.Popen([sys.executable, "-m", "site_builder", "ingest", str(inbox), "--content", str(kit.CONTENT),
                                "--data", str(data)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    while files_recorded(data) < files_before_kill and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "ingest had already finished: the kill did not land mid-ingest"
    stored = files_recorded(data)
    assert files_before_kill <= stored < len(expected[0]["files"]), stored  # part of the folder, not all of it
    assert run(data, inbox).returncode == 2
    assert state(data) == expected


def test_two_ingests_at_once_equal_one_clean_run(tmp_path, clean):
    inbox, expected = clean
    data = kit.data_dir(tmp_path)
    env = dict(os.environ, SITE_BUILDER_NOW=kit.NOW)
    argv = [sys.executable, "-m", "site_builder", "ingest", str(inbox), "--content", str(kit.CONTENT), "--data", str(data)]
    both = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    results = [p.communicate() + (p.returncode,) for p in both]
    assert [r[2] for r in results] == [2, 2] and not any("Traceback" in r[1] for r in results)
    assert state(data) == expected
