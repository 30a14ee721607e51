"""Opening the ledger for writing: WAL, synchronous=FULL, schema.sql applied, explicit transactions.

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

from site_builder.errors import LedgerError

SCHEMA_VERSION = "1"
CRASH_ENV = "SITE_BUILDER_CRASH_AFTER"


def schema_sql() -> str:
    return resources.files("site_builder.ledger").joinpath("schema.sql").read_text("utf-8")


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating if needed) the ledger at path for writing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        _install_crash_hook(conn)
        with transaction(conn):
            for statement in _statements(schema_sql()):
                conn.execute(statement)
            conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
    except sqlite3.DatabaseError as error:
        raise LedgerError(f"{path}: cannot open the ledger ({error}); expected a SQLite file written by site-builder ingest") from None
    return conn


def _statements(script: str) -> list[str]:
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT; ROLLBACK on any exception."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
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
