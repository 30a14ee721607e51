"""The only code that writes the site folder (owner: rendering stage).

Every build writes what it produces into a sibling staging folder (`.<site>.new-<pid>`), render workers
included (`put`), and nothing touches the site until every check has passed. Then `Staging.finish`:

- a complete build swaps the staging folder in with one rename (an atomic exchange where Linux offers
  it), so readers see the old site or the new one, never half of either;
- an incremental build (the build cache knew the site folder) moves each changed file into place with
  one rename each (each file is old or new, never half-written) and removes files no longer produced.
  Its staging folder is flat (`staged`): one file per output in one of 256 folders, not a tree, so
  re-rendering 10,000 pages does not make and remove 10,000 folders on the way.

An incremental build stages in the site's spare folder (`.<site>.spare`, kept between builds, locked
while a build uses it) and swaps each staged file with the one it replaces (renameat2 RENAME_EXCHANGE):
the replaced file's inode stays there as the spare for that output, and the next build writes into it
instead of making a new file. Re-rendering 10,000 pages then neither allocates nor frees 10,000 inodes:
on ext4 without a journal every allocation skips the inodes freed in the last minute one by one, which
made a template edit spend seconds in the kernel. A spare also linked from elsewhere (a copy made with
`cp -al`) is never written into. The spare folder holds the previous bytes of replaced files (pages
that were published), at most one per output; it is never deployed, and removing it is always safe.
Where it cannot be had (another build holds it; no exchange on this system), a build stages in a
folder of its own and renames over the old files, as before.

Where its folders go on the disk matters on ext4 without a journal: every new file and folder skips,
one by one, the inodes freed in the last minute beside it (the site a moment after `rm -rf build`),
which was most of a cold build's time here. The folders it makes to write in (build/, the staging
folder, the hubs folder, the spare folder and its 256 folders) are marked as the top of unrelated
folders (`spread`: the TOPDIR flag, `chattr +T`, read from a new folder's parent), so ext4 places each
folder made in them where free inodes are. A complete build makes its page folders 16 at a time in a
hub made in the hubs folder, and moves each into place (`_make_by_hub`): one look over the disk's block
groups per hub instead of per folder.
Elsewhere the flag is refused or means nothing, and nothing else changes.

It refuses output names that escape the folder, and refuses to replace an existing folder that does not
carry its marker file: `--out ~` or `--out .` cannot wipe a home or project folder. Staging folders left
by a build that was killed are removed by the next one.
"""

from __future__ import annotations

import array
import contextlib
import ctypes
import errno
import fcntl
import functools
import hashlib
import itertools
import os
import shutil
import stat as stat_
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from site_builder.errors import SiteBuilderError

MARKER = ".site-builder-output"
MARKER_TEXT = b"Written by site-builder. This folder is replaced as a whole on every build.\n"
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2  # linux/fs.h


def write(out_dir: Path, outputs: dict[str, bytes]) -> None:
    """Replace out_dir with exactly `outputs` (output path -> bytes)."""
    staging = Staging(out_dir, complete=True)
    try:
        for name in sorted(outputs):
            staging.put(name, outputs[name])
        staging.finish()
    finally:
        staging.discard()


class Staging:
    """The folder a build writes into before its result replaces (complete) or updates the site."""

    def __init__(self, out_dir: Path, complete: bool):
        self.out = Path(os.path.abspath(out_dir))
        check_replaceable(self.out)
        self.complete = complete or not (self.out / MARKER).is_file()
        self.out.parent.mkdir(parents=True, exist_ok=True)  # (build.build makes it spread, before its cache)
        remove_stale(self.out)
        self.flat = not self.complete  # only a complete build's staging folder becomes the site as it is
        self._lock = _take_spares(self.out) if self.flat else None
        if self._lock is not None:
            self.folder = spare_folder(self.out)
        else:
            self.folder = self.out.parent / f".{self.out.name}.new-{os.getpid()}"
            remove_tree(self.folder)
            make_folder(str(self.folder))
            remove_tree(Path(hubs_of(self.folder)))
            if self.complete:  # (spread: each hub made in it is placed on its own)
                make_folder(hubs_of(self.folder))
        self.names: set[str] = set()

    def put(self, name: str, data: bytes) -> tuple[int, int]:
        """Write one output file; returns its size and modification time (ns)."""
        self.names.add(safe_name(name))
        return put(self.folder, name, data, self.flat)

    def copy(self, name: str, source: Path) -> tuple[int, int]:
        """An output file that is a copy of an input file (story images), not read into memory."""
        self.names.add(safe_name(name))
        target = self.folder / staged(name, self.flat)
        _make(str(target.parent))
        with contextlib.suppress(FileNotFoundError):
            target.unlink()  # a spare is written into only by put(), which checks it is not linked elsewhere
        shutil.copyfile(source, target)
        stat = target.stat()
        return stat.st_size, stat.st_mtime_ns

    def finish(self, remove: Sequence[str] = ()) -> None:
        """Put the staged files in place; for an incremental build also remove `remove` from the site."""
        for name in remove:
            safe_name(name)
        if self.complete:
            (self.folder / MARKER).write_bytes(MARKER_TEXT)
            swap(self.folder, self.out)
            return
        names = sorted(self.names)
        out = str(self.out)  # paths as strings: 10,000 moves without pathlib's cost per path
        for folder in sorted(folders_of(names)):  # each before the folders in it
            _folder_in_site(f"{out}/{folder}")
        for name in names:  # (threads were tried: renames that free blocks do not go faster side by side)
            self._move(name, out)
        for name in sorted(remove):
            remove_tree(self.out / name)
            _remove_empty_parents(self.out / name, self.out)
            if self._lock is not None:  # its spare too: the spare folder holds at most one file per output
                remove_tree(self.folder / staged(name, self.flat))

    def _move(self, name: str, out: str) -> None:
        target = f"{out}/{name}"
        if os.path.isdir(target) and not os.path.islink(target):
            remove_tree(Path(target))
        source = f"{self.folder}/{staged(name, self.flat)}"
        if self._lock is not None and exchange(source, target):
            return  # the replaced file is now the spare at `source`
        os.replace(source, target)

    def discard(self) -> None:
        if self._lock is None:
            remove_tree(self.folder)
            remove_tree(Path(hubs_of(self.folder)))
            return
        os.close(self._lock)  # the spare folder stays for the next build
        self._lock = None


_made: set[str] = set()  # folders this process made (or found) while writing: one mkdir per folder, not per file


def staged(name: str, flat: bool) -> str:
    """Where output `name` waits in a staging folder: at its own path (a complete build, whose staging folder
    becomes the site), or flat: in one of 256 folders named by two hex digits of the name's CRC-32, its /
    written %2F (an incremental build: no folder per page, and only files in those folders for a file's
    name to meet), or, when that would not fit in a file name, "%%" and the sha256 of the name (an
    encoded name never holds "%%"). The 256 folders are placed apart (their parent, the spare folder, is
    spread): the files of 10,000 re-rendered pages land in many places on the disk, not all beside
    just-freed inodes."""
    if not flat:
        return name
    shard = f"{zlib.crc32(name.encode('utf-8')) & 0xFF:02x}/"
    encoded = name.replace("%", "%25").replace("/", "%2F")
    if len(encoded.encode("utf-8")) <= FLAT_NAME_BYTES:
        return shard + encoded
    return shard + "%%" + hashlib.sha256(name.encode("utf-8")).hexdigest()


FLAT_NAME_BYTES = 240  # file names are limited to 255 bytes


def put(folder: Path | str, name: str, data: bytes, flat: bool = False) -> tuple[int, int]:
    """Write data for output `name` into staging folder `folder` (a render worker writes its pages with
    this; `flat`: see staged); returns size, mtime_ns."""
    target = f"{folder}/{staged(safe_name(name), flat)}"
    parent = target.rpartition("/")[0]
    if parent not in _made:
        _make_parent(parent, str(folder), flat)
    try:
        fd, old_size = _writable(target)
    except FileNotFoundError:  # this process made it for an earlier build with the same staging name
        _forget(str(folder))
        _make_parent(parent, str(folder), flat)
        fd, old_size = _writable(target)
    try:  # straight to the descriptor: a page is written whole, with no buffer between (16,000 of them)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if old_size > len(data):
            os.ftruncate(fd, len(data))  # a spare's older bytes beyond the new ones
        stat = os.fstat(fd)
    finally:
        os.close(fd)
    return stat.st_size, stat.st_mtime_ns


def folders_of(names: Iterable[str]) -> set[str]:
    """Every folder the output names are in, at any depth ("a/b/c.html": "a" and "a/b")."""
    found: set[str] = set()
    for name in names:
        folder = name.rpartition("/")[0]
        while folder and folder not in found:
            found.add(folder)
            folder = folder.rpartition("/")[0]
    return found


def _folder_in_site(folder: str) -> None:
    """make_folder() for a folder of the site a build moves files into (its parent already made): a
    file or a link found where the folder goes (the site changed by hand, or an output that became a
    folder) is removed first, so files are moved into a folder of the site, never through a link."""
    try:
        if stat_.S_ISDIR(os.lstat(folder).st_mode):
            return
        remove_tree(Path(folder))
    except FileNotFoundError:
        pass
    make_folder(folder)


def _make(folder: str) -> None:
    """Make a staging folder once per process. (In the spare folder, anything but a folder at one of the
    256 names was removed when the build took it: _take_spares.)"""
    make_folder(folder)
    _remember(folder)


def _remember(folder: str) -> None:
    if len(_made) > 100_000:
        _made.clear()
    _made.add(folder)


def _forget(staging: str) -> None:
    """Forget the folders made in `staging` (a build that used the same staging name before this one)."""
    _made.difference_update([folder for folder in _made if folder.startswith(staging + "/")])


def _make_parent(parent: str, staging: str, flat: bool) -> None:
    if flat:
        _make(parent)
    else:
        _make_by_hub(parent, staging)


HUBS = ".hubs"
HUB_FOLDERS = 16  # folders made in one hub before the next hub


def hubs_of(staging: Path | str) -> str:
    """Where a complete build's folders are made before they are moved into its staging folder."""
    return f"{staging}{HUBS}"


@dataclass
class _Hub:
    """The hub this process makes folders in: for which staging folder, in which process, how many made."""

    staging: str = ""
    pid: int = 0
    path: str = ""
    made: int = HUB_FOLDERS


_hub = _Hub()
_hub_serial = itertools.count()


def _make_by_hub(folder: str, staging: str) -> None:
    """Make a folder of a complete build (and its missing parents) in a hub, then move it into place.

    ext4 places a folder made in a spread folder by looking at every block group of the disk (the Orlov
    allocator: ~2,000 here, for each of 15,000 page folders), and a folder made in a plain one beside
    it. A hub is a plain folder made in the spread hubs folder: so only one folder in HUB_FOLDERS pays
    for that look, and the folders made in the hub stay together in the place it found, their files
    with them (a move does not change where a folder's inode lives). Folders too many to one place
    would meet the inodes the last build freed there: the next hub goes elsewhere."""
    if folder == staging or folder in _made:
        return
    if not folder.startswith(staging + "/"):
        return _make(folder)
    _make_by_hub(folder.rpartition("/")[0], staging)
    try:
        made = _in_hub(staging)
    except OSError:  # no hubs folder (a staging folder made without one): as without hubs
        return _make(folder)
    try:
        moved = _move_new(made, folder)
    except OSError:  # a file system that cannot rename so: as without hubs
        os.rmdir(made)
        return _make(folder)
    if not moved:  # made meanwhile by another worker
        os.rmdir(made)
    _remember(folder)


def _in_hub(staging: str) -> str:
    """A new empty folder in this process's hub (a new hub every HUB_FOLDERS folders, and when the hub is
    gone: a process that builds again, like the dev server's workers, still holds the last build's)."""
    if _hub.made >= HUB_FOLDERS or _hub.staging != staging or _hub.pid != os.getpid():
        _new_hub(staging)
    try:
        return _next_in_hub()
    except FileNotFoundError:
        _new_hub(staging)
        return _next_in_hub()


def _new_hub(staging: str) -> None:
    _hub.staging, _hub.pid, _hub.made = staging, os.getpid(), 0
    _hub.path = f"{hubs_of(staging)}/{_hub.pid}-{next(_hub_serial)}"
    os.mkdir(_hub.path)


def _next_in_hub() -> str:
    made = f"{_hub.path}/{_hub.made}"
    _hub.made += 1
    os.mkdir(made)
    return made


def _move_new(source: str, target: str) -> bool:
    """Rename source to target unless target exists (renameat2 RENAME_NOREPLACE; elsewhere a rename that
    refuses to replace a folder that is not empty is not enough, so: a check, then the rename)."""
    renameat2 = _renameat2()
    if renameat2 is None:
        if os.path.lexists(target):
            return False
        os.rename(source, target)
        return True
    if renameat2(-100, os.fsencode(source), -100, os.fsencode(target), RENAME_NOREPLACE) == 0:
        return True
    code = ctypes.get_errno()
    if code == errno.EEXIST:
        return False
    raise OSError(code, os.strerror(code), target)


def make_folder(folder: str) -> None:
    """Make a folder and any missing parents (most exist but the last level), each one spread()."""
    try:
        os.mkdir(folder)
    except FileExistsError:
        return
    except FileNotFoundError:
        make_folder(folder.rpartition("/")[0])
        try:
            os.mkdir(folder)
        except FileExistsError:  # made meanwhile by another worker
            return
    spread(folder)


_FS_IOC_GETFLAGS, _FS_IOC_SETFLAGS, FS_TOPDIR_FL = 0x80086601, 0x40086602, 0x00020000  # linux/fs.h


def spread(folder: str) -> None:
    """Mark a new folder as the top of a hierarchy (FS_TOPDIR_FL, `chattr +T`): ext4 then places each
    folder made in it in a block group of its own choosing, with free inodes and few folders, instead
    of beside its parent. Best effort: a file system without the flag refuses it, and that is all."""
    if not sys.platform.startswith("linux"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        flags = array.array("i", [0])  # the kernel reads and writes an int, whatever the header says
        fcntl.ioctl(fd, _FS_IOC_GETFLAGS, flags, True)
        if not flags[0] & FS_TOPDIR_FL:
            flags[0] |= FS_TOPDIR_FL
            fcntl.ioctl(fd, _FS_IOC_SETFLAGS, flags, True)
    except OSError:
        pass
    finally:
        os.close(fd)


_WRITE = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC


def _writable(target: str) -> tuple[int, int]:
    """A descriptor to write target's bytes through, and the size of what it holds: the spare already
    there (its inode reused, nothing truncated yet) unless another name links to it too, or a new file."""
    try:
        fd = os.open(target, _WRITE, 0o666)
    except OSError as error:
        if error.errno not in (errno.ELOOP, errno.EISDIR):  # a symbolic link or a folder at a spare's name:
            raise                                           # replaced, never followed
    else:
        st = os.fstat(fd)
        if st.st_nlink == 1 and stat_.S_ISREG(st.st_mode):
            return fd, st.st_size
        os.close(fd)  # linked from elsewhere too (a copy made with cp -al): left as it is
    remove_tree(Path(target))
    return os.open(target, _WRITE | os.O_EXCL, 0o666), 0


def check_replaceable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SiteBuilderError(f"{out}：输出位置是一个文件；应为存放网站的文件夹")
    if out == Path(out.anchor) or out == Path.home():
        raise SiteBuilderError(f"{out}：不能替换这个文件夹；应为 build/site 这样的专用文件夹")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SiteBuilderError(f"{out}：文件夹已存在，而且不是 site-builder 写的（没有 {MARKER} 文件）；"
                               "应为空文件夹、新文件夹，或以前构建写入的文件夹")


def safe_name(name: str) -> str:
    """An output name that stays inside the output folder, or a SiteBuilderError."""
    if (not name or name.startswith("/") or "\\" in name or "\x00" in name
            or any(part in ("", ".", "..") for part in name.split("/")) or name == MARKER):
        raise SiteBuilderError(f"{name!r}：输出路径超出了网站文件夹；应为相对路径，例如 posts/index.html")
    return name


def old_site(out: Path) -> list[str] | None:
    """What a site this tool wrote at `out` holds (relative names of its files, and of its folders that
    hold none), for a build that has no record of it (no cache, a foreign one, --no-cache) and writes over
    it in place: every output is written again, the old files stay behind as spares, and what is listed
    here and not written is removed (removing a 10,000-story site whole cost 5.7 s more than the build
    into an empty folder). None when there is no such site (no marker), or it holds a name no output could have: the
    build then swaps a new site in whole, as a first build does."""
    if not (out / MARKER).is_file():
        return None
    found = []
    top = len(str(out)) + 1
    for folder, folders, files in os.walk(out):
        relative = folder[top:].replace(os.sep, "/")
        if relative and not folders and not files:
            found.append(relative)
        links = [name for name in folders if os.path.islink(os.path.join(folder, name))]  # not walked into
        found += [f"{relative}/{name}" if relative else name for name in files + links]
    found.remove(MARKER)
    try:
        return [safe_name(name) for name in found]
    except SiteBuilderError:
        return None


def remove_stale(out: Path) -> None:
    """Staging folders of builds that were killed (their process is gone)."""
    prefix = f".{out.name}."
    for sibling in out.parent.glob(f".{out.name}.*-*"):
        kind, _, pid = sibling.name[len(prefix):].partition("-")
        pid = pid.removesuffix(HUBS)
        if kind in ("new", "old") and pid.isdigit() and not _running(int(pid)):
            remove_tree(sibling)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def swap(staging: Path, out: Path) -> None:
    """Put staging at out. With an existing out: atomic exchange on Linux, else two renames."""
    if not out.exists():
        os.rename(staging, out)
        return
    if exchange(staging, out):
        return  # staging now holds the old site; discard() removes it
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    remove_tree(old)
    os.rename(out, old)
    os.rename(staging, out)
    remove_tree(old)


def exchange(a: Path | str, b: Path | str) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False where unsupported or where either
    path does not exist."""
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), RENAME_EXCHANGE)
    return result == 0


@functools.lru_cache(maxsize=1)
def _renameat2():
    try:
        return ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None


def spare_folder(out: Path) -> Path:
    return out.parent / f".{out.name}.spare"


def _take_spares(out: Path) -> int | None:
    """The spare folder's lock (a descriptor of the folder, locked), or None when another build holds it,
    when this system cannot exchange two files, or when something other than a folder has its name."""
    if _renameat2() is None:
        return None
    folder = spare_folder(out)
    with contextlib.suppress(FileExistsError):
        folder.mkdir()
    spread(str(folder))  # so that its 256 folders are placed apart (the flag is read from a folder's parent)
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    for entry in os.scandir(folder):  # only the 256 folders belong here: a spare of the older one-level
        if not entry.is_dir(follow_symlinks=False):  # layout, or a symbolic link planted at a folder's name, goes
            remove_tree(Path(entry.path))
    return fd


def remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def _remove_empty_parents(path: Path, root: Path) -> None:
    parent = path.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
