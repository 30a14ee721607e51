"""Every benchmark in one command: what docs/benchmarks.md records.

    .venv/bin/python benchmarks/run.py            # the full set (about 8 minutes on 2 cores here)
    .venv/bin/python benchmarks/run.py --quick    # a smaller set (about 2 minutes)

1. build_many_stories.py: 1,000 and 10,000 synthetic stories, cold / warm / one story edited / one
   template edited / the same template edited again, against Hugo cold on the same stories (interleaved rounds, medians); the home page
   gzipped and the search data one query downloads;
2. ingest_many_records.py: one file of 10,000 and of 100,000 records, a folder of 10,000 files, and the
   same again (everything already known);
3. serve_reload.py: under `site-builder serve` on the sample content, an edit saved to the page reloaded;
4. folders_after_delete.py: 16,000 folders or files made right after removing as many, plain and spread
   (what writer.spread and the 256 staging folders are for).

Each prints wall time, CPU time and peak memory; nothing is asserted (speed is measured, not tested).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import build_many_stories  # noqa: E402
import folders_after_delete  # noqa: E402
import ingest_many_records  # noqa: E402
import serve_reload  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 stories, one round, 10,000 records, 1,000 files")
    args = parser.parse_args(argv)
    print("== build ==", flush=True)
    if args.quick:
        build_many_stories.main(["1000", "--rounds", "1"])
    else:
        build_many_stories.main(["1000", "10000", "--rounds", "3"])
    print("\n== ingest ==", flush=True)
    if args.quick:
        ingest_many_records.main(["--large", "10000", "--files", "1000"])
    else:
        ingest_many_records.main([])
    print("\n== serve: edit saved -> page reloaded ==", flush=True)
    serve_reload.main(["--edits", "5" if args.quick else "10"])
    print("\n== the disk: folders and files made right after removing as many ==", flush=True)
    folders_after_delete.main(["--pages", "4000", "--rounds", "1"] if args.quick else [])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
