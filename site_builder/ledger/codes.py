"""Check-in codes: 6 digits from HMAC-SHA256(secret key, activity id).

The key is 32 random bytes in <data>/checkin.key, created on first use with mode 0600. It lives only
in the private data folder: never in content/, build/site/ or the repository (sample/checkin.key is a
published DEMO key for the sample district only).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from site_builder.errors import LedgerError

KEY_FILE = "checkin.key"
KEY_BYTES = 32


def key_path(data_dir: Path) -> Path:
    return Path(data_dir) / KEY_FILE


def load_key(data_dir: Path) -> bytes | None:
    """The key, or None when no key has been created yet."""
    path = key_path(data_dir)
    if not path.exists():
        return None
    key = path.read_bytes()
    if len(key) != KEY_BYTES:
        raise LedgerError(f"{path}：签到密钥长 {len(key)} 字节；应为 {KEY_BYTES} 个随机字节（只有在还没有发出任何签到码时才可删除重建）")
    return key


def ensure_key(data_dir: Path) -> bytes:
    """The key, created (32 random bytes, mode 0600) if it does not exist yet."""
    key = load_key(data_dir)
    if key is not None:
        return key
    path = key_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    return key


@functools.lru_cache(maxsize=4096)
def code_for(key: bytes, activity_id: str) -> str:
    """The activity's code (computed once per key and activity: ingest asks for it on every check-in)."""
    digest = hmac.new(key, activity_id.encode("utf-8"), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def matches(key: bytes, activity_id: str, code: str) -> bool:
    return hmac.compare_digest(code_for(key, activity_id), code)
