"""The only code that writes the site folder (owner: rendering stage).

`write()` builds the whole site in a sibling temporary folder, then swaps it in with one rename (an
atomic exchange where Linux offers it), so readers see the old site or the new one, never half of
either. It refuses output names that escape the folder, and refuses to replace an existing folder that
does not carry its marker file: `--out ~` or `--out .` cannot wipe a home or project folder.
"""

from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path, PurePosixPath

from site_builder.errors import SiteBuilderError

MARKER = ".site-builder-output"
MARKER_TEXT = b"Written by site-builder. This folder is replaced as a whole on every build.\n"
RENAME_EXCHANGE = 2  # linux/fs.h


def write(out_dir: Path, outputs: dict[str, bytes]) -> None:
    """Replace out_dir with exactly `outputs` (output path -> bytes)."""
    out = Path(os.path.abspath(out_dir))
    check_replaceable(out)
    names = [safe_name(name) for name in sorted(outputs)]
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.new-{os.getpid()}"
    remove_tree(staging)
    try:
        fill(staging, names, outputs)
        swap(staging, out)
    finally:
        remove_tree(staging)


def check_replaceable(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise SiteBuilderError(f"{out}: output path is a file; expected a folder for the site")
    if out == Path(out.anchor) or out == Path.home():
        raise SiteBuilderError(f"{out}: refusing to replace this folder; expected a folder such as build/site")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise SiteBuilderError(f"{out}: folder exists and was not written by site-builder (no {MARKER}); "
                               "expected an empty or new folder, or one a previous build wrote")


def safe_name(name: str) -> str:
    """An output name that stays inside the output folder, or a SiteBuilderError."""
    path = PurePosixPath(name)
    if (not name or name.startswith("/") or "\\" in name or "\x00" in name or path.is_absolute()
            or any(part in ("", ".", "..") for part in name.split("/")) or name == MARKER):
        raise SiteBuilderError(f"{name!r}: output path escapes the site folder; expected a relative path such as posts/index.html")
    return name


def fill(staging: Path, names: list[str], outputs: dict[str, bytes]) -> None:
    staging.mkdir()
    for name in names:
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(outputs[name])
    (staging / MARKER).write_bytes(MARKER_TEXT)


def swap(staging: Path, out: Path) -> None:
    """Put staging at out. With an existing out: atomic exchange on Linux, else two renames."""
    if not out.exists():
        os.rename(staging, out)
        return
    if exchange(staging, out):
        return  # staging now holds the old site; write() removes it
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    remove_tree(old)
    os.rename(out, old)
    os.rename(staging, out)
    remove_tree(old)


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), RENAME_EXCHANGE)
    return result == 0


def remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
