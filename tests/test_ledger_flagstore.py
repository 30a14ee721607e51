"""flagstore.insert_flags writes many flags with a plain INSERT (cheaper under foreign keys) and must
leave exactly the rows INSERT OR REPLACE, row after row, would: also when a flag is there already or a
batch sets one flag twice (the fallback), and it must still refuse a flag of a record that is not stored."""

from __future__ import annotations

import sqlite3

import pytest

from site_builder.ledger import db
from site_builder.ledger.flagstore import INSERT_FLAG, insert_flags, insert_selected


def ledger(tmp_path, ids: list[str]) -> sqlite3.Connection:
    conn = db.connect(tmp_path / "records.sqlite")
    conn.execute("INSERT INTO files(sha256, name, size, received_at, status) VALUES ('f', 'f.json', 1, 'now', 'ingested')")
    conn.executemany("INSERT INTO records(id, type, card, created_at, schema, body, digest, file_sha256, ingested_at)"
                     " VALUES (?, 'checkin', 'D03-0001', 'then', 1, '{}', 'd', 'f', 'now')", [(i,) for i in ids])
    return conn


def flags(conn: sqlite3.Connection) -> list[tuple]:
    return conn.execute("SELECT record_id, flag, detail FROM flags ORDER BY record_id, flag").fetchall()


ROWS = [("c", "late", "迟交"), ("a", "shared_device", "同一部手机"), ("b", "late", "迟交"),
        ("a", "code_guessing", "疑为猜码"), ("b", "late", "迟交（再次）")]  # b/late twice: the last wins


@pytest.mark.parametrize("there", [[], [("a", "shared_device", "旧的说明")], [("b", "late", "旧的")]])
def test_the_same_rows_as_insert_or_replace_one_after_another(tmp_path, there):
    expected = ledger(tmp_path / "one", ["a", "b", "c"])
    fast = ledger(tmp_path / "many", ["a", "b", "c"])
    for conn in (expected, fast):
        conn.executemany(INSERT_FLAG, there)
    for row in ROWS:
        expected.execute(INSERT_FLAG, row)
    insert_flags(fast, ROWS)
    assert flags(fast) == flags(expected)
    assert ("b", "late", "迟交（再次）") in flags(fast)


def test_a_flag_of_a_record_not_stored_is_still_refused(tmp_path):
    conn = ledger(tmp_path, ["a"])
    with pytest.raises(sqlite3.IntegrityError):
        insert_flags(conn, [("a", "late", "迟交"), ("missing", "late", "迟交")])


@pytest.mark.parametrize("there", [[], [("b", "shared_device", "旧的说明")]])
def test_rows_a_select_finds_are_written_like_insert_or_replace(tmp_path, there):
    """insert_selected: the rows come from a SELECT inside SQLite (a flag already there is replaced, as
    INSERT OR REPLACE row after row would), and it tells how many rows it wrote."""
    expected = ledger(tmp_path / "one", ["a", "b", "c"])
    fast = ledger(tmp_path / "many", ["a", "b", "c"])
    for conn in (expected, fast):
        conn.executemany(INSERT_FLAG, there)
    for record_id in ("a", "b", "c"):
        expected.execute(INSERT_FLAG, (record_id, "shared_device", "同一部手机"))
    written = insert_selected(fast, "SELECT id, ?, ? FROM records WHERE id != ?", ("shared_device", "同一部手机", "x"))
    assert written == 3
    assert flags(fast) == flags(expected)


def test_a_selected_flag_of_a_record_not_stored_is_still_refused(tmp_path):
    conn = ledger(tmp_path, ["a"])
    with pytest.raises(sqlite3.IntegrityError):
        insert_selected(conn, "SELECT 'missing', 'late', '迟交'")
    assert flags(conn) == []
