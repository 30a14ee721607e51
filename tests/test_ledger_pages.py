"""A ledger this version creates has db.PAGE_BYTES pages (cheaper inserts); a ledger made with SQLite's
default 4 KiB pages keeps them and takes files as before."""

from __future__ import annotations

import sqlite3

import exportkit as kit

from site_builder.ledger import db


def page_size(path) -> int:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA page_size").fetchone()[0]
    finally:
        conn.close()


def test_a_new_ledger_has_the_larger_pages(tmp_path, capsys, fixed_clock):
    data = kit.data_dir(tmp_path)
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "in", [kit.record("registration")]))
    assert status == 0, out
    assert page_size(data / "records.sqlite") == db.PAGE_BYTES


def test_an_existing_ledger_keeps_its_pages_and_takes_files(tmp_path, capsys, fixed_clock):
    data = kit.data_dir(tmp_path)
    old = sqlite3.connect(data / "records.sqlite")
    old.execute("PRAGMA page_size=4096")
    old.execute("PRAGMA journal_mode=WAL")
    old.executescript(db.schema_sql())
    old.execute("INSERT INTO meta(key, value) VALUES ('schema_version', ?)", (db.SCHEMA_VERSION,))
    old.commit()
    old.close()
    records = [kit.record("registration"), kit.record("checkin")]
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "in", records))
    assert status == 0, out
    assert page_size(data / "records.sqlite") == 4096
    conn = kit.ledger(data)
    try:
        assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 2
    finally:
        conn.close()
