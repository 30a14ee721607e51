"""One ingest at a time, and nothing an interrupted ingest found is ever lost from sight (issue 12, cases 4-5).

- **Lock**: `site-builder ingest` holds an exclusive lock on `<ledger>.lock` (fcntl.flock, released by the
  kernel when the process ends, however it ends) for the whole run. A second ingest of the same ledger
  says that another one is running and waits for it (`wait=False`: says so and stops), so two ingests
  never race each other into `database is locked`.
- **Interrupted runs**: when a run starts, meta `ingest_open` is set to the last file row already in the
  ledger, and it is removed when the run ends normally. A run that finds it still set knows the previous
  run stopped part-way (kill -9, power cut, a failing disk): files ingested since then were committed,
  but their summary may never have been seen. It lists what needs attention among them before its own
  files, and the exit status counts it. The marker is written outside ledger transactions' generation
  count (snapshot.digest does not change for it).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Callable, Iterator

from site_builder.errors import LedgerError

OPEN = "ingest_open"


@contextlib.contextmanager
def exclusive(ledger: Path, say: Callable[[str], None], wait: bool = True) -> Iterator[None]:
    """Hold the ingest lock of this ledger for the block."""
    path = Path(f"{ledger}.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise LedgerError(f"{ledger}：另一个 site-builder ingest 正在导入同一台账；"
                                  "应为等它结束后再运行") from None
            say("另一个 site-builder ingest 正在导入同一台账，等它结束后再开始……")
            fcntl.flock(handle, fcntl.LOCK_EX)
            say("另一个导入已结束，开始导入。")
        yield
    finally:
        os.close(handle)


def _set(conn: sqlite3.Connection, sql: str, params: tuple) -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(sql, params)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def begin(conn: sqlite3.Connection) -> tuple[list[str], int]:
    """Start a run: (lines about an interrupted previous run, how many of its files need attention)."""
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (OPEN,)).fetchone()
    if row is not None:
        return _left_open(conn, int(row[0]))  # keep the older marker until a run ends normally
    last = conn.execute("SELECT ifnull(max(rowid), 0) FROM files").fetchone()[0]
    _set(conn, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (OPEN, str(last)))
    return [], 0


def end(conn: sqlite3.Connection) -> None:
    """The run finished normally: every file it handled was reported."""
    _set(conn, "DELETE FROM meta WHERE key = ?", (OPEN,))


ATTENTION_SQL = """
SELECT f.sha256, f.name, f.status, f.reason, f.rejected, f.conflicting FROM files f WHERE f.rowid > ? ORDER BY f.rowid
"""


def _left_open(conn: sqlite3.Connection, after: int) -> tuple[list[str], int]:
    from site_builder.ledger.ingest import NO_ATTENTION
    from site_builder.ledger.summary import flag_name
    from site_builder.safetext import printable

    files = conn.execute(ATTENTION_SQL, (after,)).fetchall()
    if not files:
        return ["上次导入在中途停止（进程被终止或出错），中断前没有存入任何文件。"], 0
    flags: Counter = Counter()
    needing: set[str] = set()
    lines = []
    for sha, name, status, reason, rejected, conflicting in files:
        found = Counter(flag for (flag,) in conn.execute(
            "SELECT fl.flag FROM flags fl JOIN records r ON r.id = fl.record_id WHERE r.file_sha256 = ?", (sha,))
            if flag not in NO_ATTENTION)
        problems = [f"退回 {rejected} 条"] * bool(rejected) + [f"冲突 {conflicting} 条"] * bool(conflicting)
        problems += [f"{flag_name(flag)} {count} 条" for flag, count in sorted(found.items())]
        if status == "quarantined":
            problems.insert(0, f"已隔离：{reason}")
        if problems:
            needing.add(sha)
            flags.update(found)
            lines.append(f"    【{printable(name)}】{'；'.join(problems)}")
    head = (f"上次导入在中途停止（进程被终止或出错）；中断前已存入 {len(files)} 个文件，"
            + (f"其中 {len(needing)} 个需要处理（已保存，本次不会再列出）：" if needing else "都无需处理。"))
    return [head] + lines, len(needing)
