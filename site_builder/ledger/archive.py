"""Keeping every file ever offered: data/archive/<sha256><ext> and data/quarantine/<sha256><ext>.

Writes are atomic and durable: a temporary file in the same folder, fsync, rename, fsync the folder.
A crash leaves either the whole file or none; a stray *.tmp left by a crash can be deleted.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def suffix(name: str) -> str:
    ext = Path(name).suffix.lower()
    return ext if ext in (".json", ".csv") else ".json"


CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def keep_file(folder: Path, digest: str, source: Path) -> Path:
    """Like keep(), copying from a file in chunks (for files too large to hold in memory)."""
    path = Path(folder) / f"{digest}{suffix(source.name)}"
    size = source.stat().st_size
    if path.exists() and path.stat().st_size == size:
        return path
    tmp = _temporary(path)
    with open(source, "rb") as src, open(tmp, "wb") as dst:
        for block in iter(lambda: src.read(CHUNK), b""):
            dst.write(block)
        dst.flush()
        os.fsync(dst.fileno())
    os.replace(tmp, path)
    _fsync_folder(path.parent)
    return path


def _temporary(path: Path) -> Path:
    """A temporary name beside path, unique to this process (two ingests may archive the same file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def _fsync_folder(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def atomic_write(path: Path, data: bytes) -> None:
    tmp = _temporary(path)
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_folder(path.parent)


def keep(folder: Path, digest: str, name: str, data: bytes) -> Path:
    """Store data as folder/<digest><ext> unless an identical copy is already there."""
    path = Path(folder) / f"{digest}{suffix(name)}"
    if not (path.exists() and path.stat().st_size == len(data)):
        atomic_write(path, data)
    return path
