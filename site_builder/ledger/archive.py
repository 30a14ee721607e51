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
    try:
        with open(source, "rb") as src, open(tmp, "wb") as dst:
            for block in iter(lambda: src.read(CHUNK), b""):
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_folder(path.parent)
    return path


class SourceError(Exception):
    """The file being kept could not be read (it vanished, or reading it failed); `cause` is the OSError."""

    def __init__(self, cause: OSError):
        super().__init__(str(cause))
        self.cause = cause


def keep_stream(folder: Path, source: Path) -> tuple[str, Path]:
    """Copy source into folder in chunks while hashing it, then name the copy <sha256><ext>: one read,
    never the whole file in memory. Returns (sha256, the kept copy). SourceError when reading source
    fails (nothing is left behind); an OSError of the folder itself propagates."""
    folder = Path(folder)
    tmp = _temporary(folder / f"incoming{suffix(source.name)}")
    digest = hashlib.sha256()
    try:
        try:
            src = open(source, "rb")
        except OSError as error:
            raise SourceError(error) from None
        with src, open(tmp, "wb") as dst:
            while True:
                try:
                    block = src.read(CHUNK)
                except OSError as error:
                    raise SourceError(error) from None
                if not block:
                    break
                digest.update(block)
                dst.write(block)
            dst.flush()
            os.fsync(dst.fileno())
        path = folder / f"{digest.hexdigest()}{suffix(source.name)}"
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_folder(folder)
    return digest.hexdigest(), path


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
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # only left when writing failed (a full disk): no stray *.tmp
    _fsync_folder(path.parent)


def keep(folder: Path, digest: str, name: str, data: bytes) -> Path:
    """Store data as folder/<digest><ext> unless an identical copy is already there."""
    path = Path(folder) / f"{digest}{suffix(name)}"
    if not (path.exists() and path.stat().st_size == len(data)):
        atomic_write(path, data)
    return path
