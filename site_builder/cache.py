"""The build cache: what the last build read and wrote, in one SQLite file under build/.cache/ (owner: build).

Lektor's idea, keyed by content hash rather than modification time:

- `files`: the digest (BLAKE2b) of every input file, with the stat it had when it was hashed, so an
  unchanged file is not read again (git's index does the same); the digest is the key, the stat only
  saves reading;
- `blobs`: values made from inputs, keyed by the digest of those inputs: a loaded story (its fields,
  and apart from them its body, fetched only for the pages that show it), the content without stories,
  the template dependency table, the public figures;
- `outputs`: every file of the last build with the digest of its bytes, the fingerprint of the inputs
  it was made from, and the size and modification time it was written with (to notice a file changed
  or removed behind the builder's back);
- `state`: the fingerprint of the whole last build (all inputs, options, ledger and code).

Every value is pickled with a checksum. A file that is not a SQLite database, lacks a table, fails a
checksum, or was written by another version of site-builder or for another content or output folder
is never trusted: `open()` warns in one line and starts an empty cache (a cold build follows).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import sqlite3
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, MutableMapping, NamedTuple

from site_builder import guard

FORMAT = "site-builder-cache 1"
CACHE_DIR = ".cache"

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS files(path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER,"
    " inode INTEGER, digest TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS blobs(kind TEXT NOT NULL, key TEXT NOT NULL, check_digest TEXT NOT NULL,"
    " value BLOB NOT NULL, used INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(kind, key))",
    "CREATE TABLE IF NOT EXISTS outputs(path TEXT PRIMARY KEY, digest TEXT NOT NULL, fingerprint TEXT NOT NULL,"
    " size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS state(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
TABLES = ("meta", "files", "blobs", "outputs", "state")


class Untrusted(Exception):
    """The cache file cannot be trusted; str() says why (in Chinese, for the one warning line)."""


def digest_bytes(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def digest_text(*parts: str) -> str:
    """The digest of several strings, unambiguously joined."""
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def digest_file(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


class Written(NamedTuple):
    """One output file of the last build (a tuple: 16,800 of them are read at the start of every build)."""

    digest: str  # sha256 hex of the bytes
    fingerprint: str  # digest of what it was made from
    size: int
    mtime_ns: int


class Cache:
    """An open build cache. Use `Cache.open()`; `Cache.none()` is a cache that remembers nothing."""

    def __init__(self, db: sqlite3.Connection | None, path: Path | None = None):
        self.db = db
        self.path = path
        self._digests: dict[str, tuple[tuple[int, int, int, int], str]] = {}
        self._hashed: dict[str, tuple[tuple[int, int, int, int], str]] = {}
        self.used: dict[str, set[str]] = {}  # kind -> keys this build looked up or stored
        self._seen: dict[str, str] = {}  # path -> digest, for this build (each file is looked at once)
        self._scans: dict[str, list[str]] = {}
        self._stamps: dict[str, tuple[int, int, int, int]] = {}
        self._loaded = False
        # path -> the digest recorded before this build (None: none was), for every file this build found
        # changed by reading it (file_digest): what the quick edit (quick.py) asks first
        self.rehashed: dict[str, str | None] = {}

    # --- opening ------------------------------------------------------------------------------

    @classmethod
    def none(cls) -> "Cache":
        return cls(None)

    @classmethod
    def open(cls, path: Path, identity: dict[str, str], warn: Callable[[str], None]) -> "Cache":
        """The cache at path for this identity (format, code, folders); untrusted files are replaced."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            warn(f"构建缓存 {path} 无法创建，{guard.oserror_reason(error)}，本次不使用缓存")
            return cls.none()
        if path.exists():
            try:
                return cls(_trusted(path, identity), path)
            except Untrusted as why:
                if str(why):
                    warn(f"构建缓存 {path} {why}，已忽略并重建（本次为完整构建）")
            _remove(path)
        try:
            return cls(_create(path, identity), path)
        except sqlite3.Error as error:
            warn(f"构建缓存 {path} 无法创建，{guard.sqlite_reason(error)}，本次不使用缓存")
            return cls.none()

    @property
    def enabled(self) -> bool:
        return self.db is not None

    def close(self) -> None:
        """Keep the file digests learnt (commit), then close."""
        if self.db is not None:
            self.commit()
            self.db.close()
            self.db = None

    def commit(self) -> None:
        """Store what this build learnt; a failure to store is not a failed build."""
        if self.db is None:
            return
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO files(path, size, mtime_ns, ctime_ns, inode, digest)"
                           " VALUES (?,?,?,?,?,?)", [(p, *stamp, digest) for p, (stamp, digest) in self._hashed.items()])
            self._hashed.clear()  # (not stored after all: they are read and hashed again next time)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN … COMMIT; an SQLite error rolls back and goes no further: a cache that could not store
        something only costs work on a later build."""
        assert self.db is not None
        try:
            self.db.execute("BEGIN")
            yield self.db
            self.db.execute("COMMIT")
        except sqlite3.Error:
            self._rollback()

    def _rollback(self) -> None:
        try:
            self.db.execute("ROLLBACK")  # type: ignore[union-attr]
        except sqlite3.Error:
            pass

    # --- input files --------------------------------------------------------------------------

    def load_digests(self) -> None:
        """Read the recorded digests of every input file once (one query)."""
        if self.db is None or self._loaded:
            return
        self._loaded = True
        with _reading():
            for path, size, mtime, ctime, inode, digest in self.db.execute("SELECT * FROM files"):
                self._digests[path] = ((size, mtime, ctime, inode), digest)

    def scan(self, root: Path | str) -> list[str]:
        """Every file under root (hidden files and folders skipped), sorted; once per build."""
        key = os.path.abspath(root)
        if key not in self._scans:
            found: list[str] = []
            _walk(key, found)
            self._scans[key] = found
        return self._scans[key]

    def known_digest(self, path: str) -> str | None:
        """The digest of a file when the cache knows it for the file's present stat (nothing is read)."""
        path = _key(path)  # one key per file, however it was named (scan() names them absolute)
        seen = self._seen.get(path)
        if seen is not None:
            return seen
        self.load_digests()
        try:
            st = os.stat(path)
        except OSError:
            return None
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        self._stamps[path] = stamp
        known = self._digests.get(path)
        if known is not None and known[0] == stamp:
            self._seen[path] = known[1]
            return known[1]
        return None

    def record_digest(self, path: str, digest: str) -> None:
        """The digest of a file someone else read (a worker), with the stat known_digest() saw."""
        path = _key(path)
        stamp = self._stamps.get(path)
        if stamp is not None:
            self._digests[path] = self._hashed[path] = (stamp, digest)
        self._seen[path] = digest

    def file_digest(self, path: Path | str, stat: os.stat_result | None = None) -> str:
        """The digest of a file's bytes; not read again while its stat is unchanged (once per build)."""
        key = _key(path)
        seen = self._seen.get(key)
        if seen is not None:
            return seen
        if not self._loaded:  # (a call per file costs 20 ms at 10,000 files)
            self.load_digests()
        st = stat or os.stat(path)
        stamp = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        known = self._digests.get(key)
        if known is not None and known[0] == stamp:
            self._seen[key] = known[1]
            return known[1]
        digest = digest_file(Path(path))
        if known is None or known[1] != digest:
            self.rehashed[key] = known[1] if known is not None else None
        self._digests[key] = self._hashed[key] = (stamp, digest)
        self._seen[key] = digest
        return digest

    # --- values -------------------------------------------------------------------------------

    def get(self, kind: str, key: str) -> Any | None:
        self.mark(kind, [key])
        if self.db is None:
            return None
        with _reading():
            row = self.db.execute("SELECT check_digest, value FROM blobs WHERE kind = ? AND key = ?", (kind, key)).fetchone()
        return None if row is None else _unpickle(row[0], row[1])

    def get_many(self, kind: str, keys: Iterable[str]) -> dict[str, Any]:
        """Values of several keys of one kind (chunks of 500 keys a query)."""
        keys = list(dict.fromkeys(keys))
        self.mark(kind, keys)
        if self.db is None:
            return {}
        return _fetch(self.db, kind, keys)

    def mark(self, kind: str, keys: Iterable[str]) -> None:
        """Keys of `kind` the current content uses (kept by keep_only)."""
        self.used.setdefault(kind, set()).update(keys)

    def put_many(self, kind: str, values: dict[str, Any]) -> None:
        self.mark(kind, values)
        if self.db is None or not values:
            return
        rows = []
        for key, value in values.items():
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
            rows.append((kind, key, digest_bytes(data), data))
        self._write("INSERT OR REPLACE INTO blobs(kind, key, check_digest, value) VALUES (?,?,?,?)", rows)

    def put(self, kind: str, key: str, value: Any) -> None:
        self.put_many(kind, {key: value})

    def keep_only(self, kind: str, keys: Iterable[str]) -> None:
        """Forget values of `kind` not among keys (what the current content no longer uses)."""
        if self.db is None:
            return
        keep = keys if isinstance(keys, (set, frozenset)) else set(keys)
        with _reading():
            stale = [(kind, key) for (key,) in self.db.execute("SELECT key FROM blobs WHERE kind = ?", (kind,))
                     if key not in keep]
        self._write("DELETE FROM blobs WHERE kind = ? AND key = ?", stale)

    # --- outputs and state --------------------------------------------------------------------

    def outputs(self) -> dict[str, Written]:
        if self.db is None:
            return {}
        with _reading():
            return {row[0]: Written._make(row[1:]) for row in self.db.execute("SELECT * FROM outputs")}

    def save_outputs(self, written: dict[str, Written], build_fingerprint: str) -> None:
        """Replace the record of the last build's outputs, and its fingerprint, in one transaction."""
        if self.db is None:
            return
        with self._transaction() as db:
            db.execute("DELETE FROM outputs")
            self._record_outputs(db, written, build_fingerprint)

    def update_outputs(self, changed: dict[str, Written], removed: Iterable[str], retag: dict[str, str],
                       build_fingerprint: str) -> None:
        """Change the record of the last build's outputs in place (the quick edit): `changed` files written,
        `removed` ones gone, fingerprints renamed (`retag`: old -> new), and the build's fingerprint."""
        if self.db is None:
            return
        with self._transaction() as db:
            db.executemany("DELETE FROM outputs WHERE path = ?", [(path,) for path in removed])
            db.executemany("UPDATE outputs SET fingerprint = ? WHERE fingerprint = ?",
                           [(new, old) for old, new in retag.items() if new != old])
            self._record_outputs(db, changed, build_fingerprint)

    @staticmethod
    def _record_outputs(db: sqlite3.Connection, written: dict[str, Written], build_fingerprint: str) -> None:
        db.executemany("INSERT OR REPLACE INTO outputs(path, digest, fingerprint, size, mtime_ns) VALUES (?,?,?,?,?)",
                       [(path, w.digest, w.fingerprint, w.size, w.mtime_ns) for path, w in written.items()])
        db.execute("INSERT OR REPLACE INTO state(key, value) VALUES ('build', ?)", (build_fingerprint,))

    def forget_build(self) -> None:
        """The output folder is about to change: until the build ends, nothing recorded about it holds."""
        self._write("DELETE FROM state WHERE key = ?", [("build",)])

    def last_build(self) -> str | None:
        if self.db is None:
            return None
        with _reading():
            row = self.db.execute("SELECT value FROM state WHERE key = 'build'").fetchone()
        return row[0] if row else None

    def _write(self, sql: str, rows: list[tuple]) -> None:
        if self.db is None or not rows:
            return
        with self._transaction() as db:
            db.executemany(sql, rows)


@contextlib.contextmanager
def _reading() -> Iterator[None]:
    """Any SQLite error while reading means the file cannot be trusted."""
    try:
        yield
    except sqlite3.Error:
        raise Untrusted("不是有效的缓存文件（可能已损坏）") from None


def _walk(folder: str, found: list[str], top: str | None = None) -> None:
    top = top or folder
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            _walk(entry.path, found, top)
        elif entry.is_file() and not (entry.is_symlink() and not _inside(entry.path, top)):
            found.append(entry.path)  # a link out of the folder is never read (content.py reports it)


def _inside(path: str, top: str) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(top)
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _fetch(db: sqlite3.Connection, kind: str, keys: list[str]) -> dict[str, Any]:
    """Values of several keys of one kind, each checked (chunks of 500 keys a query)."""
    found: dict[str, Any] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start:start + 500]
        marks = ",".join("?" * len(chunk))
        with _reading():
            rows = db.execute(f"SELECT key, check_digest, value FROM blobs WHERE kind = ? AND key IN ({marks})",
                              (kind, *chunk)).fetchall()
        for key, check, value in rows:
            found[key] = _unpickle(check, value)
    return found


def _unpickle(check: str, data: bytes) -> Any:
    if digest_bytes(data) != check:
        raise Untrusted("中的数据校验不符")
    try:
        return pickle.loads(data)
    except Exception:  # a damaged value: the cache is not trusted
        raise Untrusted("中的数据无法读取") from None


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None, timeout=5)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")  # a cache: losing the last write only costs a rebuild
    return db


def _trusted(path: Path, identity: dict[str, str]) -> sqlite3.Connection:
    try:
        db = _connect(path)
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        meta = dict(db.execute("SELECT key, value FROM meta")) if "meta" in tables else {}
    except sqlite3.Error:
        raise Untrusted("不是有效的缓存文件（可能已损坏）") from None
    if not set(TABLES) <= tables or meta.get("format") != FORMAT:
        db.close()
        raise Untrusted("不是本版本 site-builder 写的缓存")
    if meta.get("code") != identity.get("code"):
        db.close()
        raise Untrusted("")  # site-builder itself changed: start afresh without alarming anyone
    if any(meta.get(key) != value for key, value in identity.items()):
        db.close()
        raise Untrusted("属于另一个内容或输出目录")
    return db


def _create(path: Path, identity: dict[str, str]) -> sqlite3.Connection:
    db = _connect(path)
    for statement in SCHEMA:
        db.execute(statement)
    db.execute("BEGIN")
    db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?,?)", [("format", FORMAT), *identity.items()])
    db.execute("COMMIT")
    return db


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        try:
            Path(str(path) + suffix).unlink()
        except FileNotFoundError:
            pass
        except OSError:
            pass


_CODE_DIGEST: list[str] = []


def code_digest() -> str:
    """site-builder's own code and the versions of the libraries that shape its output."""
    if _CODE_DIGEST:
        return _CODE_DIGEST[0]
    package = str(Path(__file__).resolve().parent)
    found: list[str] = []
    _walk(package, found)
    parts = []
    for file in found:
        if file.endswith((".py", ".sql", ".json")) and "__pycache__" not in file:
            parts += [Path(file).relative_to(package).as_posix(), digest_file(Path(file))]
    for library, version in _versions(("jinja2", "markdown", "nh3", "pyyaml", "pillow")).items():
        parts += [library, version]
    _CODE_DIGEST.append(digest_text(*parts))
    return _CODE_DIGEST[0]


def _versions(libraries: tuple[str, ...]) -> dict[str, str]:
    """Installed versions ("-": not installed), read from the names of the *.dist-info folders on
    sys.path, as importlib.metadata would find them first, without importing it (a faster start)."""
    import sys

    wanted = {name: "" for name in libraries}
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for entry in names:
            if entry.endswith(".dist-info"):
                name, _, version = entry[:-len(".dist-info")].partition("-")
                key = name.lower().replace("-", "_").replace(".", "_")
                if wanted.get(key) == "" and version:
                    wanted[key] = version
    missing = [name for name, version in wanted.items() if not version]
    if missing:  # an install of another kind (an egg, a zip): ask importlib.metadata
        from importlib import metadata

        for name in missing:
            try:
                wanted[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                wanted[name] = "-"
    return wanted


def _key(path: Path | str) -> str:
    """A file's key in the cache: its absolute path (scan() gives them so: kept as they are)."""
    return path if isinstance(path, str) and path.startswith("/") else os.path.abspath(path)


class Bodies:
    """Story bodies by story digest (Content.body_store): those this build rendered (`loaded`), else those
    kept in the cache; all there or none."""

    def __init__(self, cache: Cache, loaded: dict[str, str] | None = None):
        self.cache = cache
        self.loaded = loaded or {}

    def file(self, digests: frozenset[str]) -> BodyFile | None:
        """Those of `digests` this build did not render, for the render workers to read from the cache file
        (BodyFile); None without a cache file."""
        if self.cache.db is None or self.cache.path is None:
            return None
        return BodyFile(self.cache.path, digests)

    def bodies(self, digests: list[str]) -> dict[str, str]:
        found = {d: self.loaded[d] for d in digests if d in self.loaded}
        kept = [d for d in digests if d not in found]
        if kept:
            fetched = self.cache.get_many("body", kept)
            if len(fetched) != len(set(kept)):
                raise Untrusted("缺少典型案例正文")
            found.update(fetched)
        return found


class BodyFile:
    """Story bodies read from the cache file by the process that renders their pages (a render worker), so
    the build's own process neither fetches nor sends them (a template edit at 10,000 stories: 0.15 s
    of its serial work). `digests`: the bodies to read this way. Pickled as its path and digests; each
    process opens its own read-only connection when it first reads. A body missing or damaged is
    Untrusted, as in Bodies."""

    def __init__(self, path: Path, digests: frozenset[str]):
        self.path, self.digests = Path(path), digests
        self._db: sqlite3.Connection | None = None
        self._pid = 0

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_db": None, "_pid": 0}

    def bodies(self, digests: list[str]) -> dict[str, str]:
        if self._db is None or self._pid != os.getpid():  # (a worker forked with this process's object)
            try:
                self._db = sqlite3.connect(f"{self.path.absolute().as_uri()}?mode=ro", uri=True, timeout=5)
            except sqlite3.Error:
                raise Untrusted("无法读取") from None
            self._pid = os.getpid()
        wanted = list(dict.fromkeys(digests))
        found = _fetch(self._db, "body", wanted)
        if len(found) != len(wanted):
            raise Untrusted("缺少典型案例正文")
        return found


class Memo(MutableMapping):
    """A mapping kept in the cache under one kind (the search index's memo): read as asked, written at
    flush(), and what a build did not use is forgotten then."""

    def __init__(self, cache: Cache, kind: str, keep: Callable[[str], bool] = lambda key: True):
        self.cache, self.kind, self.keep = cache, kind, keep
        self.fresh: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key in self.fresh:
            return self.fresh[key]
        if not self.keep(key):  # never stored, so never looked up (a cold build would ask 10,000 times)
            raise KeyError(key)
        value = self.cache.get(self.kind, key)
        if value is None:
            raise KeyError(key)
        return value

    def __setitem__(self, key: str, value: Any) -> None:
        self.fresh[key] = value

    def __delitem__(self, key: str) -> None:
        self.fresh.pop(key, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.fresh)

    def __len__(self) -> int:
        return len(self.fresh)

    def flush(self) -> None:
        self.cache.put_many(self.kind, {k: v for k, v in self.fresh.items() if self.keep(k)})
        self.cache.keep_only(self.kind, self.cache.used.get(self.kind, ()))
        self.fresh.clear()
