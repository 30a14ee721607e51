"""Ingest: export files and 民主测评 CSVs -> the ledger, one file at a time, never losing anything.

For each file: archive it byte for byte (data/archive/<sha256>.<ext>) BEFORE anything about it is
written to the ledger (a big file's copy is written and fsynced while its JSON is parsed, _Keeping, and
waited for before the first write); a file seen before (same sha256) is not read again; an unreadable
file is copied to data/quarantine/ and
recorded with a Chinese reason; otherwise its records are offered in file order inside ONE transaction,
in batches (ledger/batch.py: bulk lookups, batched writes; a bad record is rejected with its reason and
never stops the others).

Memory: files are found by a generator (sorted folder by folder) and handled one at a time; only the
file in hand is held, and ingest_each() yields each file's report so the caller keeps only totals.

Calm under bad input: nothing about one file stops the others. A folder that cannot be listed, a symbolic
link or a special file in a folder, a file that vanished or cannot be read: reported as `unreadable`
(there are no bytes to keep). Any unexpected error while one file is handled rolls its transaction back,
is logged (data/logs/site-builder.log) and quarantines the file in a transaction of its own. Only a
failure of the ledger or of the data folder itself (OSError, sqlite3 errors other than integrity) stops
the run, for the top-level guard to report. Names are shown and stored through safetext.printable.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
import stat
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from site_builder import collector, guard
from site_builder.errors import UsageError, rel
from site_builder.ledger import accept, archive, batch, db, devices, evaluation_csv, formats, prepare, trust
from site_builder.ledger.db import transaction
from site_builder.ledger.formats import Export, Unreadable
from site_builder.pool import Pool
from site_builder.safetext import printable

OnRecords = Callable[[int], None]  # told how many more records of the current file were offered

SUFFIXES = (".json", ".csv")
PARALLEL_MIN = 4_000  # records of a file from which their pure work (prepare.py) goes to the worker processes
PARALLEL_CHUNK = 2_000  # records per task sent to a worker
NO_ATTENTION = {"capped", "replaces_pending"}  # flags that are information only


@dataclass
class Rejection:
    where: str  # 第 3 条记录 / 第 4 行
    record_id: str | None
    reasons: list[str]


@dataclass
class FileReport:
    name: str
    sha256: str  # "" for an unreadable file
    status: str  # ingested | quarantined | seen (the same bytes were ingested or quarantined before) | unreadable
    reason: str | None = None
    accepted: int = 0
    known: int = 0
    conflicting: int = 0
    rejected: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # record ids
    flags: Counter = field(default_factory=Counter)
    earlier: str | None = None  # for seen: when and as what it was first handled

    @property
    def needs_attention(self) -> bool:
        flagged = any(flag not in NO_ATTENTION for flag in self.flags)
        return self.status in ("quarantined", "unreadable") or self.rejected > 0 or self.conflicting > 0 or flagged


@dataclass(frozen=True)
class Unreachable:
    """Something found while listing that cannot be ingested: a folder that cannot be read, a symbolic
    link, a special file. ingest_each() reports it (status unreadable) among the files, in order."""

    path: Path
    reason: str


Found = Path | Unreachable  # what collect() yields


def collect(paths: list[Path]) -> Iterator[Found]:
    """Files to ingest: files as given, and *.json / *.csv found in folders (recursively, hidden files and
    folders skipped), in sorted order. Every path is checked before the first file is returned. In
    folders, symbolic links are not followed and are reported, like folders that cannot be read."""
    paths = [Path(p) for p in paths]
    for path in paths:
        if not (path.is_dir() or path.is_file()):
            raise UsageError(f"{printable(path)}：文件或文件夹不存在；应为导出文件（*.json、*.csv）或存放它们的文件夹")
    return _walk_all(paths)


def _walk_all(paths: list[Path]) -> Iterator[Found]:
    for path in paths:
        if path.is_dir():
            yield from _walk(path)
        else:
            yield path


def _walk(folder: Path) -> Iterator[Found]:
    """Depth first, each folder's entries sorted by name: the order of sorted(folder.rglob("*"))."""
    try:
        with os.scandir(folder) as entries:
            found = sorted((entry.name, _kind(entry)) for entry in entries if not entry.name.startswith("."))
    except OSError as error:
        yield Unreachable(folder, f"文件夹无法打开：{guard.oserror_reason(error)}，其中的文件未导入")
        return
    for name, kind in found:
        path = folder / name
        if kind == "folder":
            yield from _walk(path)
        elif kind == "link-folder" or (kind != "other" and path.suffix.lower() in SUFFIXES):
            reason = UNFOLLOWED.get(kind)
            yield Unreachable(path, reason) if reason else path
        elif kind != "other" and path.name.lower().endswith(ARCHIVES):
            yield Unreachable(path, PACKED)


ARCHIVES = (".zip", ".rar", ".7z", ".tar", ".tar.gz", ".tgz", ".gz", ".bz2", ".xz")  # reported, never unpacked
PACKED = "是压缩包，未解压也未导入；请解压后把其中的导出文件（*.json、*.csv）放进来再导入"
UNFOLLOWED = {
    "link": "是符号链接（快捷方式），为安全起见不跟随；请把原文件复制到这里再导入",
    "link-folder": "是指向文件夹的符号链接，为安全起见不进入；请把文件复制到这里再导入",
    "special": "不是普通文件（设备、管道或套接字），未读取",
}


def _kind(entry: os.DirEntry) -> str:
    """folder | file | link | link-folder | special | other (gone or unknown: left out)."""
    try:
        if entry.is_symlink():
            return "link-folder" if entry.is_dir() else "link"
        if entry.is_dir(follow_symlinks=False):
            return "folder"
        if entry.is_file(follow_symlinks=False):
            return "file"
        return "special" if stat.S_IFMT(entry.stat(follow_symlinks=False).st_mode) else "other"
    except OSError:
        return "other"


def ingest_paths(conn: sqlite3.Connection, paths: list[Path], data_dir: Path,
                 settings: accept.Settings) -> tuple[list[FileReport], int]:
    """Reports per file, and how many earlier check-ins of then-unknown activities now got their hours."""
    files = collect(paths)
    resolved = resolve_unknown(conn, settings)
    return list(ingest_each(conn, files, data_dir, settings)), resolved


def resolve_unknown(conn: sqlite3.Connection, settings: accept.Settings) -> int:
    """Check-ins of activities that were unknown and are now in the content get their hours (one transaction)."""
    with transaction(conn):
        return accept.resolve_unknown_activities(conn, settings)


def ingest_each(conn: sqlite3.Connection, files: Iterable[Found], data_dir: Path, settings: accept.Settings,
                on_records: OnRecords | None = None, pool: Pool | None = None) -> Iterator[FileReport]:
    """Ingest the files one at a time, yielding each one's report as soon as its transaction is committed."""
    for path in files:
        if isinstance(path, Unreachable):
            yield FileReport(printable(rel(path.path)), "", "unreadable", reason=path.reason)
        else:
            yield ingest_file(conn, path, data_dir, settings, on_records, pool)


def ingest_file(conn: sqlite3.Connection, path: Path, data_dir: Path, settings: accept.Settings,
                on_records: OnRecords | None = None, pool: Pool | None = None) -> FileReport:
    """One file (see the module's docstring); `pool`: worker processes for the pure work of a big file."""
    name = printable(rel(path))
    with guard.doing(f"导入 {name}"):
        try:
            data = _read_bytes(path)
        except OSError as error:
            return FileReport(name, "", "unreadable", reason=_unreadable_reason(error))
        if data is None:
            return _oversized(conn, name, path, data_dir, settings.now)
        digest, size = archive.sha256(data), len(data)
        keeping = _Keeping(Path(data_dir) / "archive", digest, path.name, data)
        held = [data]
        del data  # only held[] holds the bytes, so _ingest_bytes can let go of them once they are parsed
        try:
            return _ingest_bytes(conn, name, path, held, digest, size, data_dir, settings, on_records, pool, keeping)
        except Exception as error:  # one file's surprise never stops the others
            keeping.wait()  # (a copy that failed stops the run here, as it would have before the parse)
            if _systemic(error):
                raise
            return _quarantine_after(conn, name, path, digest, size, error, data_dir, settings.now)


KEEP_ASIDE_MIN = 1024 * 1024  # bytes of a file from which its archive copy is written while it is parsed


class _Keeping:
    """archive.keep() of a file's bytes: for a big file in a thread of its own, so the write and the two
    fsyncs (0.1 s for the benchmark's 34 MB file) overlap the seen check and the parse; wait() before
    anything about the file is written to the ledger (it raises what keep() raised). A small file is kept
    at once, as before (a thread per file would cost a folder of many small files more than it saves)."""

    def __init__(self, folder: Path, digest: str, name: str, data: bytes):
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if len(data) < KEEP_ASIDE_MIN:
            archive.keep(folder, digest, name, data)
            return
        self._thread = threading.Thread(target=self._keep, args=(folder, digest, name, data), name="archive")
        self._thread.start()

    def _keep(self, folder: Path, digest: str, name: str, data: bytes) -> None:
        try:
            archive.keep(folder, digest, name, data)
        except BaseException as error:  # handed to wait(), in the ingesting thread
            self._error = error

    def wait(self) -> None:
        """Return once the copy is on disk; raise what keeping it raised (an OSError: the run stops)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None  # (and with it the thread's hold on the bytes)
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def _ingest_bytes(conn, name: str, path: Path, held: list[bytes], digest: str, size: int, data_dir: Path,
                  settings: accept.Settings, on_records: OnRecords | None, pool: Pool | None,
                  keeping: _Keeping) -> FileReport:
    data = held.pop()
    with transaction(conn):  # the check and the writes in one transaction: safe with two ingests at once
        seen = conn.execute("SELECT status, received_at, name FROM files WHERE sha256 = ?", (digest,)).fetchone()
        if seen:
            keeping.wait()
            return _seen(name, digest, seen)
        with collector.resting():  # from the parse on: 100,000 new dicts would set off collections
            try:
                export = _read(path, data, settings.keys)
            except Unreadable as unreadable:
                keeping.wait()
                return _quarantine(conn, name, path, digest, data, str(unreadable), data_dir, settings.now)
            keeping.wait()  # the copy is on disk before the first write (and before workers are forked)
            del data  # the parsed records are all that is needed from here on
            db.fit_cache(conn, size)
            return _store(conn, name, digest, size, export, settings, on_records, pool)


def _read_bytes(path: Path) -> bytes | None:
    """The file's bytes; None when it is larger than formats.MAX_BYTES (then it is never read whole).
    OSError when it cannot be read, is not a regular file, or is gone (it may vanish after listing)."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a FIFO put in its place never blocks
    with open(handle, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise OSError(0, "not a regular file")
        if status.st_size > formats.MAX_BYTES:
            return None
        data = file.read(status.st_size + 1)  # one byte more: to see whether it has grown since
        if len(data) > status.st_size:
            data += file.read(formats.MAX_BYTES + 1 - len(data))
    return None if len(data) > formats.MAX_BYTES else data


def _unreadable_reason(error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return "文件在列出之后消失了（被移走、改名或删除），未导入；找到后可再导入"
    if error.errno == 0:
        return "不是普通文件，未读取"
    return f"无法读取：{guard.oserror_reason(error)}，未导入；可以读取后再导入"


def _systemic(error: BaseException) -> bool:
    """A failure of the ledger or the data folder (not of the file): it stops the run."""
    if isinstance(error, sqlite3.IntegrityError):
        return False
    return isinstance(error, (OSError, sqlite3.DatabaseError, sqlite3.InterfaceError))


def _quarantine_after(conn, name: str, path: Path, digest: str, size: int, error: Exception, data_dir: Path,
                      now: str) -> FileReport:
    """The file's transaction was rolled back by an unexpected error: log it and quarantine the file (its
    archived copy) in a transaction of its own."""
    log = guard.log_exception(data_dir, None, error, what=f"ingest {name}")
    where = f"，详细记录见 {printable(rel(log))}" if log else ""
    reason = f"处理此文件时出现意外错误（{type(error).__name__}），已隔离，台账未改动{where}"
    kept = Path(data_dir) / "archive" / f"{digest}{archive.suffix(path.name)}"
    return _quarantine_kept(conn, name, path, digest, size, kept, reason, data_dir, now)


def _quarantine_kept(conn, name: str, path: Path, digest: str, size: int, kept: Path, reason: str,
                     data_dir: Path, now: str) -> FileReport:
    """Quarantine the archived copy `kept` with its reason, in a transaction of its own (unless the file was
    seen before: then what became of it then)."""
    with transaction(conn):
        seen = conn.execute("SELECT status, received_at, name FROM files WHERE sha256 = ?", (digest,)).fetchone()
        if seen:
            return _seen(name, digest, seen)
        archive.keep_file(Path(data_dir) / "quarantine", digest, kept)
        conn.execute("INSERT INTO files(sha256, name, size, received_at, status, reason) VALUES (?,?,?,?,?,?)",
                     (digest, printable(path.name), size, now, "quarantined", reason))
    return FileReport(name, digest, "quarantined", reason=reason)


def _oversized(conn, name: str, path: Path, data_dir: Path, now: str) -> FileReport:
    """A file over the size limit: archived and quarantined in chunks, never read into memory. The copy in
    the archive is what is hashed and quarantined, so a file that changes meanwhile is kept consistently."""
    try:
        digest, kept = archive.keep_stream(Path(data_dir) / "archive", path)
    except archive.SourceError as error:
        return FileReport(name, "", "unreadable", reason=_unreadable_reason(error.cause))
    size = kept.stat().st_size
    reason = f"文件过大（{size / 1024 / 1024:.1f} MB），超过 20 MB 上限，不是手机导出的文件"
    return _quarantine_kept(conn, name, path, digest, size, kept, reason, data_dir, now)


def _read(path: Path, data: bytes, keys=None) -> Export:
    if path.suffix.lower() == ".csv":
        return evaluation_csv.read(data)
    return formats.read(data, keys)


def _seen(name: str, digest: str, row: tuple) -> FileReport:
    status, received_at, first_name = row
    report = FileReport(name, digest, "seen", earlier=f"{received_at} 已{'隔离' if status == 'quarantined' else '接收'}（{first_name}）")
    if status == "quarantined":
        report.status, report.reason = "quarantined", "此文件之前已被隔离，内容未变"
    return report


def _quarantine(conn, name, path: Path, digest, data, reason, data_dir: Path, now: str) -> FileReport:
    archive.keep(Path(data_dir) / "quarantine", digest, path.name, data)
    conn.execute("INSERT INTO files(sha256, name, size, received_at, status, reason) VALUES (?,?,?,?,?,?)",
                 (digest, printable(path.name), len(data), now, "quarantined", reason))
    return FileReport(name, digest, "quarantined", reason=reason)


def _store(conn, name: str, digest: str, size: int, export: Export, settings: accept.Settings,
           on_records: OnRecords | None = None, pool: Pool | None = None) -> FileReport:
    report = FileReport(name, digest, "ingested")
    conn.execute("INSERT INTO files(sha256, name, size, received_at, status, device, exported_at, format_version)"
                 " VALUES (?,?,?,?,?,?,?,?)",
                 (digest, Path(name).name, size, settings.now, "ingested", export.device, export.exported_at, export.version))
    last_row = conn.execute("SELECT max(rowid) FROM records").fetchone()[0] or 0  # rows after it are this file's
    last_checkin = conn.execute("SELECT max(rowid) FROM checkins").fetchone()[0] or 0  # the same for check-ins
    big = _big(export, pool)
    stored = batch.stored_digests(conn, export.records) if big else None  # asked once, not again per batch
    offering = batch.Offering(conn, digest, export.device, settings, export.line_offset is not None, stored)
    offering.expect_corrections(export.records)
    wrong: Counter = Counter()  # activity -> accepted check-ins of it with a wrong code: guessed codes
    parallel = stored is not None and len(stored) * 2 < len(export.records)  # mostly known: checking here costs less than sending
    prepared = _prepared(export, settings, pool if parallel else None, stored or {})
    for start in range(0, len(export.records), batch.BATCH):
        records = export.records[start:start + batch.BATCH]
        outcomes = offering.offer(records, start, list(itertools.islice(prepared, len(records))))
        rejections = _tally(report, export, records, start, outcomes, wrong)
        conn.executemany("INSERT OR REPLACE INTO rejections(file_sha256, position, record_id, reason) VALUES (?,?,?,?)",
                         rejections)
        if on_records:
            on_records(len(records))
    del offering, prepared  # what they hold for the lookups (an entry per record) is not needed below
    if report.accepted:
        report.flags.update(devices.review(conn, last_row, last_checkin, export.device))  # another card's phone
    report.flags.update(trust.guessing(conn, wrong, last_checkin))
    conn.execute("UPDATE files SET accepted = ?, known = ?, conflicting = ?, rejected = ? WHERE sha256 = ?",
                 (report.accepted, report.known, report.conflicting, report.rejected, digest))
    return report


def _big(export: Export, pool: Pool | None) -> bool:
    """Whether the file is big enough for worker processes (and they can check its records)."""
    return pool is not None and pool.workers > 1 and export.checker is not None and len(export.records) >= PARALLEL_MIN


def _prepared(export: Export, settings: accept.Settings, pool: Pool | None,
              stored: dict[str, str]) -> Iterator[prepare.Prepared]:
    """Each record checked (prepare.check), in file order: checked and judged (prepare.prepare) in `pool`'s
    worker processes, the records going in chunks and the results coming back in order while this process
    stores the earlier ones; else checked here, one batch at a time as they are offered (then a record is
    judged only when it turns out to be new, batch.Offering)."""
    if pool is None or export.checker is None:
        for record in export.records:
            yield prepare.check(record, export.validate_record)
        return
    setting = prepare.setting_of(settings, export.checker, stored)
    # (a worker that dies leaves its chunks to this process; workers forked for this file are forked with its
    # records, which are then not sent: site_builder.pool)
    for chunk in pool.chunks(prepare.prepare_chunk, export.records, setting, size=PARALLEL_CHUNK,
                             first=batch.BATCH, inherit=True):  # the first batch waits for one batch's work
        yield from map(prepare.Prepared._make, chunk)


def _tally(report: FileReport, export: Export, records: list, start: int, outcomes: list[batch.Offered],
           wrong: Counter) -> list[tuple]:
    """Count a batch's outcomes in the report and its accepted check-ins with a wrong code, by activity
    (for trust.guessing); the rows of its rejected records."""
    rejections: list[tuple] = []
    flagged: list[str] = []  # the flags of accepted records, counted once per batch
    accepted = 0
    for offered in outcomes:
        outcome = offered.outcome
        status = outcome.status
        if status == accept.REJECTED:
            report.rejected += 1
            report.rejections.append(Rejection(export.where(offered.position), offered.record_id, outcome.reasons))
            rejections.append((report.sha256, offered.position, offered.record_id, "；".join(outcome.reasons)))
        elif status == accept.KNOWN:
            report.known += 1
        elif status == accept.CONFLICT:
            report.conflicting += 1
            report.conflicts.append(outcome.record_id or "")
        else:
            accepted += 1
            flags = outcome.flags
            flagged += flags
            if "code_mismatch" in flags:  # a check-in of a known activity (an unknown one has no code to match)
                wrong[records[offered.position - start]["activity"]] += 1
    report.accepted += accepted
    report.flags.update(flagged)
    return rejections
