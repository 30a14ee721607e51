"""Opening the ledger for writing: WAL, synchronous=FULL, schema.sql applied, explicit transactions.

Every writer goes through transaction(); ingest uses one per file (its records are written in batches
inside it, see ledger/batch.py), so the fsync of synchronous=FULL is paid once per file, not per record.

SITE_BUILDER_CRASH_AFTER=N (tests only) kills the process with SIGKILL when the Nth SQL statement
starts, so the crash-safety test can stop ingest at many exact points.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
from importlib import resources
from pathlib import Path
from typing import Iterator

from site_builder import guard
from site_builder.errors import LedgerError

SCHEMA_VERSION = "1"
# least and most page cache while a file is written (SQLite's default is 2 MiB); CACHE_PER_BYTE x the
# file's bytes in between: a 20 MB export (formats.MAX_BYTES) gets 100 MiB, the benchmark's 34 MB file 170 MiB
CACHE_KIB = (2 * 1024, 256 * 1024)
CACHE_PER_BYTE = 5
# A new ledger's page size (SQLite's default is 4 KiB). A record is ~1.2 KB with its index entries, and a
# big file's records land at random places in the indexes keyed by id and card: with 16 KiB pages the
# benchmark's 100,000-record file went from 4.21-4.52 s to 3.90-4.10 s (fewer pages split, read and
# written to the WAL; 32 and 64 KiB: no better). Small transactions (a confirm at the desk) write a
# few 16 KiB pages instead of 4 KiB ones.
PAGE_BYTES = 16384
CRASH_ENV = "SITE_BUILDER_CRASH_AFTER"


SCHEMA_FILES = ("schema.sql", "staff.sql")  # staff.sql: decisions made at the desk (claims, 回执, 择优报送)


def schema_sql() -> str:
    folder = resources.files("site_builder.ledger")
    return "\n".join(folder.joinpath(name).read_text("utf-8") for name in SCHEMA_FILES)


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the ledger at path for writing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    new = not path.exists() or path.stat().st_size == 0
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        if new:  # (only an empty file takes it; a ledger keeps the page size it was made with)
            conn.execute(f"PRAGMA page_size={PAGE_BYTES}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        _install_crash_hook(conn)
        with transaction(conn):
            for statement in _statements(schema_sql()):
                conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise LedgerError(f"{path}：台账正被另一个程序写入，等待 30 秒后仍未释放；应为等那个程序结束后再运行") from None
        raise LedgerError(f"{path}：无法打开台账，{guard.sqlite_reason(error)}；应为 site-builder ingest 写入的 SQLite 文件") from None
    except sqlite3.DatabaseError as error:
        raise LedgerError(f"{path}：无法打开台账，{guard.sqlite_reason(error)}；应为 site-builder ingest 写入的 SQLite 文件") from None
    return conn


def fit_cache(conn: sqlite3.Connection, file_bytes: int) -> None:
    """Size the page cache for the file about to be written: its rows and index entries take about three
    times its bytes (3.6 for the benchmark's 100,000 records: 123 MB of ledger), and a transaction that
    outgrows the cache spills to the WAL half-way and reads pages back for every random insert into an
    index (slow: with 64 MiB for 118 MB of ledger, the 62,000 shared_device flags took 1.1 s instead of
    0.4). Even a small spill costs the commit a second pass over the whole WAL: a page written to the WAL
    early and changed again is overwritten in place, and SQLite then reads every later frame back to
    chain the checksums anew (4 x the bytes, 136 MiB, spilled in the last statements: 30,000 frames read
    back, 0.1 s more of the commit's CPU). The cache only takes what the transaction uses. Small files keep
    the default, so a folder of many small files stays at the default memory."""
    least, most = CACHE_KIB
    conn.execute(f"PRAGMA cache_size=-{min(most, max(least, CACHE_PER_BYTE * file_bytes // 1024))}")


def chunks(items: list, size: int = 500) -> Iterator[list]:
    """items in lists of at most `size`: a statement's `IN (?,…)` stays within SQLite's 999 parameters."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def marks(count: int) -> str:
    """`?,?,…`: the parameters of an `IN (…)` of `count` values."""
    return ",".join("?" * count)


def _statements(script: str) -> list[str]:
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


# meta 'generation' counts the committed transactions that changed the ledger (snapshot.digest reads it).
BUMP_GENERATION = ("INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE"
                   " SET value = CAST(value AS INTEGER) + 1")


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT; ROLLBACK on any exception. A transaction that changed any row also
    advances meta 'generation', so every ingest, confirm, reject or decide changes snapshot.digest()."""
    conn.execute("BEGIN IMMEDIATE")
    before = conn.total_changes
    try:
        yield conn
        if conn.total_changes != before:
            conn.execute(BUMP_GENERATION)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _install_crash_hook(conn: sqlite3.Connection) -> None:
    limit = os.environ.get(CRASH_ENV)
    if not limit:
        return
    remaining = [int(limit)]

    def count(_statement: str) -> None:
        remaining[0] -= 1
        if remaining[0] <= 0:
            os.kill(os.getpid(), signal.SIGKILL)

    conn.set_trace_callback(count)
