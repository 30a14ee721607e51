"""Keeping every file ever offered: data/archive/<sha256><ext> and data/quarantine/<sha256><ext>.

Writes are atomic and durable: a temporary file in the same folder, fsync, rename, fsync the folder.
A crash leaves either the whole file or none (a stray *.tmp is overwritten next time).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def suffix(name: str) -> str:
    ext = Path(name).suffix.lower()
    return ext if ext in (".json", ".csv") else ".json"


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def keep(folder: Path, digest: str, name: str, data: bytes) -> Path:
    """Store data as folder/<digest><ext> unless an identical copy is already there."""
    path = Path(folder) / f"{digest}{suffix(name)}"
    if not (path.exists() and path.stat().st_size == len(data)):
        atomic_write(path, data)
    return path
