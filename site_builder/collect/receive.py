"""Receiving one batch: written to <data>/inbox/<sha256>.json atomically (temporary file, fsync, rename,
fsync of the folder) BEFORE anything else, then ingested by the very code `site-builder ingest` runs
(ledger/ingest.py: archive, seen-before check, quarantine, one transaction per file, idempotent by
record id), then answered per record (answers.py).

All ledger work happens on one thread (the Collector's executor), so batches are ingested one at a time
in the order they arrived, on one SQLite connection, exactly as a run of `ingest` over the inbox would.
"""

from __future__ import annotations

import concurrent.futures
import os
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

from site_builder import guard
from site_builder.clock import now_iso
from site_builder.collect import answers
from site_builder.ledger import accept, archive, codes, db, ingest, roster, runs, seal
from site_builder.ledger.catalogue import Catalogue

INBOX = "inbox"
FAIL_ENV = "SITE_BUILDER_TEST_COLLECT_FAIL"  # tests only: while the file it names exists, every batch is answered 500


@dataclass
class Answer:
    status: int  # HTTP status
    body: dict
    line: str | None = None  # what the terminal shows (Chinese), if anything


class Collector:
    """The ledger side of collect: one data folder, one ledger, one thread."""

    def __init__(self, catalogue: Catalogue, data_dir: Path, ledger: Path):
        self.data_dir, self.ledger = Path(data_dir), Path(ledger)
        self.catalogue = catalogue
        self.inbox = self.data_dir / INBOX
        self.inbox.mkdir(parents=True, exist_ok=True)
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger")
        self.conn: sqlite3.Connection | None = None
        self._roster: tuple[float | None, dict | None] = (None, None)
        self.keys = seal.load_private_keys(self.data_dir)
        self.executor.submit(self._open).result()  # a ledger that cannot be opened stops collect at once

    @staticmethod
    def say(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def _open(self) -> None:
        self.conn = db.connect(self.ledger)
        ingest.resolve_unknown(self.conn, self._settings())

    def close(self) -> None:
        def shut() -> None:
            if self.conn is not None:
                self.conn.close()
        self.executor.submit(shut).result()
        self.executor.shutdown()

    def _settings(self) -> accept.Settings:
        return accept.Settings(self.catalogue, codes.load_key(self.data_dir), self._members(), now_iso(), self.keys)

    def _members(self) -> dict | None:
        """The roster, read again when data/roster.csv changed (an organiser may add members while collect runs)."""
        path = self.data_dir / roster.ROSTER_FILE
        try:
            stamp: float | None = path.stat().st_mtime_ns
        except OSError:
            stamp = None
        if stamp != self._roster[0]:
            self._roster = (stamp, roster.load(path))
        return self._roster[1]

    def receive(self, data: bytes) -> Answer:
        """Runs on the ledger thread (submit it to self.executor)."""
        if os.environ.get(FAIL_ENV) and Path(os.environ[FAIL_ENV]).exists():
            return Answer(500, {"error": "测试：服务器暂时出错"})
        digest = archive.sha256(data)
        path = archive.keep(self.inbox, digest, "batch.json", data)  # on disk before anything is answered
        assert self.conn is not None
        try:
            settings = self._settings()
            with runs.exclusive(self.ledger, say=self.say):  # never beside a running `site-builder ingest`
                report = ingest.ingest_file(self.conn, path, self.data_dir, settings)
            if report.status in ("quarantined", "unreadable"):
                first = self.conn.execute("SELECT reason FROM files WHERE sha256 = ?", (report.sha256,)).fetchone()
                reason = (first[0] if report.status == "quarantined" and first and first[0] else report.reason) or "无法读取"
                return Answer(422, {"batch": digest, "error": reason}, f"批次 {digest[:8]} 已隔离：{reason}")
            records = answers.of(self.conn, report, data, self.keys)
        except Exception as error:  # answered 500: the app keeps the records and sends them again
            log = guard.log_exception(self.data_dir, None, error, what=f"collect batch {digest}")
            return Answer(500, {"error": "服务器处理这批记录时出错，记录仍在手机上，稍后会自动重发"},
                          f"批次 {digest[:8]} 处理出错（{type(error).__name__}），详见 {log}")
        counts = {status: sum(1 for a in records if a["status"] == status)
                  for status in (answers.STORED, answers.KNOWN, answers.CONFLICT, answers.REJECTED)}
        line = (f"批次 {digest[:8]}{'（重复收到）' if report.status == 'seen' else ''}：新接收 {counts['stored']} 条，"
                f"已存在 {counts['known']} 条，冲突 {counts['conflict']} 条，退回 {counts['rejected']} 条")
        return Answer(200, {"batch": digest, "records": records, "counts": counts}, line)
