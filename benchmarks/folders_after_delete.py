"""Making many folders and files right after removing as many: what writer.spread and the 256 staging
folders of an incremental build (writer.staged) are for. Prints wall and kernel (system) time per case.

    .venv/bin/python benchmarks/folders_after_delete.py [--pages N] [--rounds R] [--dir DIR]

On ext4 without a journal (this machine's disk) every inode allocation skips, one at a time, the inodes
freed in the last minute, and a new folder goes beside its parent: right after `rm -rf build`, beside
all of the site's. Each round, for each case, first makes and removes a tree like a site's (N folders
of one 5 KB file each) the way that case's code made sites, as `rm -rf build` does between the
benchmark's rounds, then times:

  site, plain      N folders of one file each, made with os.mkdir (before writer.spread), after a plain site
  site, spread     the same, every folder made by writer.make_folder (FS_TOPDIR_FL), after a spread site
  site, hubs       the same, each folder made in a hub and moved into place (writer._make_by_hub, as a
                   complete build makes its folders), hubs removed at the end, after a site made so
  staged, flat     N files in one folder (the spare folder as it was), after a plain site
  staged, 256      N files in writer.staged's 256 spread folders, after a spread site

The cases alternate within each round; medians are printed. On a file system without the flag (tmpfs)
the spread cases are the plain ones. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from site_builder import writer  # noqa: E402

DATA = b"x" * 5000


def site(root: str, n: int, make) -> None:
    make(root)
    make(f"{root}/stories")
    for i in range(n):
        folder = f"{root}/stories/s{i:05d}"
        make(folder)
        with open(f"{folder}/index.html", "wb") as handle:
            handle.write(DATA)


def hubbed(root: str, n: int) -> None:
    """As a complete build makes its site: page folders made in hubs and moved into place, hubs removed."""
    writer._made.clear()  # (a build starts in a new process, knowing no folder)
    writer.make_folder(root)
    writer.make_folder(writer.hubs_of(root))
    for i in range(n):
        folder = f"{root}/stories/s{i:05d}"
        writer._make_by_hub(folder, root)
        with open(f"{folder}/index.html", "wb") as handle:
            handle.write(DATA)
    shutil.rmtree(writer.hubs_of(root))


def staged(root: str, n: int, shards: bool) -> None:
    writer.make_folder(root)
    for i in range(n):
        name = writer.staged(f"stories/s{i:05d}/index.html", True) if shards else f"s{i:05d}"
        path = f"{root}/{name}"
        if shards:
            writer.make_folder(path.rpartition("/")[0])
        with open(path, "wb") as handle:
            handle.write(DATA)


CASES = {  # name: (how that code made the site removed before, what is timed)
    "site, plain": (os.mkdir, lambda root, n: site(root, n, os.mkdir)),
    "site, spread": (writer.make_folder, lambda root, n: site(root, n, writer.make_folder)),
    "site, hubs": (None, hubbed),
    "staged, flat": (os.mkdir, lambda root, n: staged(root, n, shards=False)),
    "staged, 256": (writer.make_folder, lambda root, n: staged(root, n, shards=True)),
}


def timed(old_make, case, root: str, n: int) -> tuple[float, float]:
    if old_make is None:  # what `rm -rf build` frees just before
        hubbed(f"{root}/old", n)
    else:
        site(f"{root}/old", n, old_make)
    shutil.rmtree(f"{root}/old")
    os.sync()
    time.sleep(1)
    started, before = time.perf_counter(), os.times()
    case(f"{root}/new", n)
    after = os.times()
    wall = time.perf_counter() - started
    shutil.rmtree(f"{root}/new")
    return wall, after.system - before.system


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=16_000, help="folders (site) or files (staged) per case")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dir", default=None, help="where to make them (default: a folder under the checkout)")
    args = parser.parse_args(argv)
    base = tempfile.mkdtemp(prefix=".bench-folders-", dir=args.dir or ROOT)
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in CASES}
    try:
        for _ in range(args.rounds):
            for name, (old_make, case) in CASES.items():
                samples[name].append(timed(old_make, case, base, args.pages))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"{args.pages} folders or files per case, right after removing a tree of as many; median of {args.rounds}")
    for name, runs in samples.items():
        walls, kernel = [w for w, _ in runs], [s for _, s in runs]
        print(f"  {name:<14} {statistics.median(walls):6.2f} s wall  {statistics.median(kernel):6.2f} s kernel"
              f"   (wall {', '.join(f'{w:.2f}' for w in walls)})", flush=True)


if __name__ == "__main__":
    main()
