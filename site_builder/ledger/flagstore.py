"""Writing flag rows: one at a time (INSERT_FLAG: a flag set again replaces its detail) or many at once.

insert_flags() writes many with the outcome of INSERT_FLAG but cheaper: sorted by the key, so the flags'
key index is walked in order, and with a plain INSERT, which under foreign keys costs SQLite about half
of INSERT OR REPLACE (the 152,000 flags of the benchmark's 100,000-record file: 1.6 s -> 0.7 s of CPU).
Its callers add flags nothing has set yet (a new record's own; code_guessing, shared_device and
device_mismatch, which only they set); should a row exist after all, the plain INSERT fails (the rows
before it stay) and every row is written again with INSERT_FLAG, which ends in the same rows.

insert_selected() does the same for rows a SELECT finds (the check-ins of a file held for an organiser):
one statement inside SQLite, with no row passing through Python.
"""

from __future__ import annotations

import sqlite3

_INTO = "INTO flags(record_id, flag, detail)"
INSERT_FLAG = f"INSERT OR REPLACE {_INTO} VALUES (?,?,?)"
INSERT_NEW_FLAG = f"INSERT {_INTO} VALUES (?,?,?)"


def insert_flags(conn: sqlite3.Connection, rows: list[tuple[str, str, str]]) -> None:
    """(record id, flag, detail) rows, as INSERT_FLAG one after another would leave them."""
    ordered = sorted(rows, key=_key)  # stable: of rows with one key, the last still wins
    try:
        conn.executemany(INSERT_NEW_FLAG, ordered)
    except sqlite3.IntegrityError:  # a flag that was there after all (or a missing record: fails again)
        conn.executemany(INSERT_FLAG, ordered)


def insert_selected(conn: sqlite3.Connection, select: str, parameters: tuple = ()) -> int:
    """The (record id, flag, detail) rows `select` finds, each (record id, flag) once, as insert_flags() would
    write them (ordered by the key, a plain INSERT, INSERT OR REPLACE should a row exist); how many rows were
    written. A failed INSERT … SELECT leaves nothing behind (SQLite undoes the statement), so the fallback
    starts afresh."""
    ordered = f"{select} ORDER BY 1, 2"
    try:
        return conn.execute(f"INSERT {_INTO} {ordered}", parameters).rowcount
    except sqlite3.IntegrityError:  # a flag that was there after all (or a missing record: fails again)
        return conn.execute(f"INSERT OR REPLACE {_INTO} {ordered}", parameters).rowcount


def _key(row: tuple[str, str, str]) -> tuple[str, str]:
    return row[0], row[1]
