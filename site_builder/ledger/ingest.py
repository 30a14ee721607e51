"""Ingest: export files and 民主测评 CSVs -> the ledger, one file at a time, never losing anything.

For each file: archive it byte for byte (data/archive/<sha256>.<ext>) BEFORE anything else; a file
seen before (same sha256) is not read again; an unreadable file is copied to data/quarantine/ and
recorded with a Chinese reason; otherwise its records are offered one by one inside ONE transaction
(a bad record is rejected with its reason and never stops the others).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.errors import UsageError, rel
from site_builder.ledger import accept, archive, evaluation_csv, formats
from site_builder.ledger.db import transaction
from site_builder.ledger.formats import Export, Unreadable

SUFFIXES = (".json", ".csv")
NO_ATTENTION = {"capped", "replaces_pending"}  # flags that are information only


@dataclass
class Rejection:
    where: str  # 第 3 条记录 / 第 4 行
    record_id: str | None
    reasons: list[str]


@dataclass
class FileReport:
    name: str
    sha256: str
    status: str  # ingested | quarantined | seen (the same bytes were ingested or quarantined before)
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
        return self.status == "quarantined" or self.rejected > 0 or self.conflicting > 0 or flagged


def collect(paths: list[Path]) -> list[Path]:
    """Files to ingest: files as given, and *.json / *.csv found in folders (recursively), sorted."""
    found: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
                            and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.is_file():
            found.append(path)
        else:
            raise UsageError(f"{path}: no such file or folder; expected export files (*.json) or a folder of them")
    return found


def ingest_paths(conn: sqlite3.Connection, paths: list[Path], data_dir: Path,
                 settings: accept.Settings) -> tuple[list[FileReport], int]:
    """Reports per file, and how many earlier check-ins of then-unknown activities now got their hours."""
    files = collect(paths)
    with transaction(conn):
        resolved = accept.resolve_unknown_activities(conn, settings)
    return [ingest_file(conn, path, data_dir, settings) for path in files], resolved


def ingest_file(conn: sqlite3.Connection, path: Path, data_dir: Path, settings: accept.Settings) -> FileReport:
    name = rel(path)
    try:
        if path.stat().st_size > formats.MAX_BYTES:
            return _oversized(conn, name, path, data_dir, settings.now)
        data = Path(path).read_bytes()
    except OSError as error:
        raise UsageError(f"{name}: cannot read ({error.strerror}); expected a readable file") from None
    digest = archive.sha256(data)
    archive.keep(Path(data_dir) / "archive", digest, path.name, data)
    with transaction(conn):  # the check and the writes in one transaction: safe with two ingests at once
        seen = conn.execute("SELECT status, received_at, name FROM files WHERE sha256 = ?", (digest,)).fetchone()
        if seen:
            return _seen(name, digest, seen)
        try:
            export = _read(path, data)
        except Unreadable as unreadable:
            return _quarantine(conn, name, path, digest, data, str(unreadable), data_dir, settings.now)
        return _store(conn, name, digest, len(data), export, settings)


def _oversized(conn, name: str, path: Path, data_dir: Path, now: str) -> FileReport:
    """A file over the size limit: archived and quarantined in chunks, never read into memory."""
    digest = archive.sha256_file(path)
    archive.keep_file(Path(data_dir) / "archive", digest, path)
    size = path.stat().st_size
    reason = f"文件过大（{size / 1024 / 1024:.1f} MB），超过 20 MB 上限，不是手机导出的文件"
    with transaction(conn):
        seen = conn.execute("SELECT status, received_at, name FROM files WHERE sha256 = ?", (digest,)).fetchone()
        if seen:
            return _seen(name, digest, seen)
        archive.keep_file(Path(data_dir) / "quarantine", digest, path)
        conn.execute("INSERT INTO files(sha256, name, size, received_at, status, reason) VALUES (?,?,?,?,?,?)",
                     (digest, path.name, size, now, "quarantined", reason))
    return FileReport(name, digest, "quarantined", reason=reason)


def _read(path: Path, data: bytes) -> Export:
    if path.suffix.lower() == ".csv":
        return evaluation_csv.read(data)
    return formats.read(data)


def _seen(name: str, digest: str, row: tuple) -> FileReport:
    status, received_at, first_name = row
    report = FileReport(name, digest, "seen", earlier=f"{received_at} 已{'隔离' if status == 'quarantined' else '接收'}（{first_name}）")
    if status == "quarantined":
        report.status, report.reason = "quarantined", "此文件之前已被隔离，内容未变"
    return report


def _quarantine(conn, name, path: Path, digest, data, reason, data_dir: Path, now: str) -> FileReport:
    archive.keep(Path(data_dir) / "quarantine", digest, path.name, data)
    conn.execute("INSERT INTO files(sha256, name, size, received_at, status, reason) VALUES (?,?,?,?,?,?)",
                 (digest, path.name, len(data), now, "quarantined", reason))
    return FileReport(name, digest, "quarantined", reason=reason)


def _store(conn, name: str, digest: str, size: int, export: Export, settings: accept.Settings) -> FileReport:
    report = FileReport(name, digest, "ingested")
    conn.execute("INSERT INTO files(sha256, name, size, received_at, status, device, exported_at, format_version)"
                 " VALUES (?,?,?,?,?,?,?,?)",
                 (digest, Path(name).name, size, settings.now, "ingested", export.device, export.exported_at, export.version))
    for position, record in enumerate(export.records):
        _offer(conn, report, export, position, record, settings)
    conn.execute("UPDATE files SET accepted = ?, known = ?, conflicting = ?, rejected = ? WHERE sha256 = ?",
                 (report.accepted, report.known, report.conflicting, report.rejected, digest))
    return report


def _offer(conn, report: FileReport, export: Export, position: int, record: object, settings) -> None:
    record_id = record.get("id") if isinstance(record, dict) and isinstance(record.get("id"), str) else None
    reasons = export.validate_record(record)
    outcome = None
    if not reasons:
        outcome = accept.offer(conn, record, report.sha256, export.device, settings,
                               correctable=export.line_offset is not None)
        reasons = outcome.reasons if outcome.status == accept.REJECTED else []
    if reasons:
        report.rejected += 1
        report.rejections.append(Rejection(export.where(position), record_id, reasons))
        conn.execute("INSERT OR REPLACE INTO rejections(file_sha256, position, record_id, reason) VALUES (?,?,?,?)",
                     (report.sha256, position, record_id, "；".join(reasons)))
    elif outcome.status == accept.KNOWN:
        report.known += 1
    elif outcome.status == accept.CONFLICT:
        report.conflicting += 1
        report.conflicts.append(outcome.record_id)
    else:
        report.accepted += 1
        report.flags.update(outcome.flags.keys())
