"""`site-builder ingest` at a city's volume: wall time, CPU time, records/s and peak memory per case.

    .venv/bin/python benchmarks/ingest_many_records.py [--small N] [--large N] [--files N] [--cases a,b,c,d]
                                                       [--timeout S] [--keep] [--json]

Cases (each a fresh `site-builder ingest` process, measured with os.wait4, so peak memory is that
process's own maximum resident set; each starts after os.sync() and a pause, from a quiet disk):

  a        one export file of --small valid records (default 10,000), fresh ledger
  b        one export file of --large valid records (default 100,000), fresh ledger
  c        a folder of --files small export files (default 10,000, one member's records each), fresh ledger
  d-folder the same folder again: every file already seen
  d-file   a re-export of case b's records (new bytes, same records): every record already known

Records come from the sample district's deterministic generator (site_builder.sample, seed 1)
against content/, sample/roster.csv and sample/checkin.key; files are written as the app writes them
(JSON, indent 1). 100,000 such records make a file of about 32 MB, over the 20 MB an export from one
phone may have (formats.MAX_BYTES, which quarantines larger files unread); the child process of a case
whose file is larger lifts that limit, so the case measures ingest itself, and says so.

`figures(...)` returns the figures as a dict for another benchmark runner; `main(argv)` prints them.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from site_builder import sample  # noqa: E402
from site_builder.ledger import formats  # noqa: E402

from build_many_stories import settle  # noqa: E402  (benchmarks/ is on the path: this script's folder)

NOW = "2026-12-31T20:00:00+08:00"  # the ledger clock: after every generated record
CASES = ("a", "b", "c", "d-folder", "d-file")
SETTLE_SECONDS = 3  # pause before each case, after os.sync() (build_many_stories.settle)


@dataclass
class Figures:
    case: str
    what: str
    records: int
    files: int
    status: str  # "ok" (exit 0 or 2), "timeout", or "exit N"
    wall_s: float
    cpu_s: float
    records_per_s: float | None  # None when the case did not finish
    peak_mib: float
    note: str = ""


def generated_records(count: int, year: sample.Year) -> list[dict]:
    """`count` valid records of the sample district, member after member (deterministic)."""
    found: list[dict] = []
    people = year.people
    index = 0
    while len(found) < count:
        records, _ = year.member(people[index % len(people)], 1.0)
        found += records
        index += 1
    return found[:count]


def write_file(path: Path, records: list[dict], exported_at: str) -> int:
    document = {"format": "sansong-records", "version": 1, "exported_at": exported_at,
                "device": "bench-device-0001", "app": "benchmark", "records": records}
    data = (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def write_folder(folder: Path, count: int, year: sample.Year) -> int:
    """`count` export files, each one member's records as the app writes them; returns the records written."""
    folder.mkdir(parents=True, exist_ok=True)
    people, written, index = year.people, 0, 0
    while index < count:
        person = people[index % len(people)]
        records, _ = year.member(person, 1.0)
        moment = dt.datetime.fromisoformat(records[-1]["created_at"]) + dt.timedelta(days=1)
        _, data = sample.export_file(person, f"bench-device-{index:05d}", records, moment)
        (folder / f"sansong-{person.card}-{index:05d}.json").write_bytes(data)
        written += len(records)
        index += 1
    return written


def fresh_data(root: Path, name: str) -> Path:
    data = root / name
    data.mkdir(parents=True)
    shutil.copy(ROOT / "sample" / "roster.csv", data / "roster.csv")
    shutil.copy(ROOT / "sample" / "checkin.key", data / "checkin.key")
    return data


def measure(case: str, what: str, paths: list[Path], data: Path, records: int, files: int, timeout: float,
            max_bytes: int | None = None) -> Figures:
    """Run one ingest in a fresh process: wall time here, CPU time from os.wait4, peak memory from the
    child's own VmHWM (ru_maxrss would include the memory of this parent at the fork)."""
    peak_file = data / "peak-kib.txt"
    settle(SETTLE_SECONDS)
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", "--peak-file", str(peak_file)]
    if max_bytes:
        argv += ["--max-bytes", str(max_bytes)]
    argv += ["--", "ingest", *map(str, paths), "--content", str(ROOT / "content"), "--data", str(data)]
    env = dict(os.environ, SITE_BUILDER_NOW=NOW, SITE_BUILDER_TODAY=NOW[:10])
    env.pop("SITE_BUILDER_CRASH_AFTER", None)
    peak_file.unlink(missing_ok=True)
    started = time.perf_counter()
    with open(data / f"summary-{case}.txt", "wb") as out:
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        status, usage = _wait(child, timeout)
    wall = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    peak_kib = int(peak_file.read_text()) if peak_file.exists() else usage.ru_maxrss
    notes = [f"file over {formats.MAX_BYTES // 2**20} MB: limit lifted in the child"] if max_bytes else []
    if status == "timeout":
        notes.append(f"did not finish in {timeout:g} s")
    rate = round(records / wall) if wall and status == "ok" else None
    return Figures(case, what, records, files, status, round(wall, 2), round(cpu, 2), rate,
                   round(peak_kib / 1024, 1), "; ".join(notes))


def _wait(child: subprocess.Popen, timeout: float):
    deadline = time.monotonic() + timeout
    while True:
        pid, code, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            child.returncode = os.waitstatus_to_exitcode(code)
            return ("ok" if child.returncode in (0, 2) else f"exit {child.returncode}"), usage
        if time.monotonic() > deadline:
            os.kill(child.pid, signal.SIGKILL)
            _, _, usage = os.wait4(child.pid, 0)
            child.returncode = -signal.SIGKILL
            return "timeout", usage
        time.sleep(0.05)


def figures(small: int = 10_000, large: int = 100_000, files: int = 10_000, cases: tuple[str, ...] = CASES,
            timeout: float = 600.0, workdir: Path | None = None) -> dict[str, dict]:
    """Case name -> figures (dict of Figures' fields). Generates the inputs under workdir (a temporary
    folder, removed afterwards, when None)."""
    root = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        return {f.case: asdict(f) for f in _run(root, small, large, files, cases, timeout)}
    finally:
        if workdir is None:
            shutil.rmtree(root, ignore_errors=True)


def _run(root: Path, small: int, large: int, files: int, cases: tuple[str, ...], timeout: float):
    content = sample.load_content(ROOT / "content")
    year = sample.Year(content, 1, dt.date(content.site.year, 12, 31))
    inputs = root / "inputs"
    if "a" in cases:
        path = inputs / "small.json"
        size = write_file(path, generated_records(small, year), "2026-12-30T10:00:00+08:00")
        yield measure("a", f"one file of {small:,} records", [path], fresh_data(root, "data-a"), small, 1, timeout,
                      _lift(size))
    if {"b", "d-file"} & set(cases):
        records = generated_records(large, year)
        path = inputs / "large.json"
        size = write_file(path, records, "2026-12-30T10:00:00+08:00")
        again = inputs / "large-re-export.json"
        write_file(again, records, "2026-12-30T11:00:00+08:00")
        del records
        data = fresh_data(root, "data-b")
        yield measure("b", f"one file of {large:,} records", [path], data, large, 1, timeout, _lift(size))
        if "d-file" in cases:
            yield measure("d-file", f"re-export of the {large:,} records (all known)", [again], data, large, 1,
                          timeout, _lift(size))
    if {"c", "d-folder"} & set(cases):
        folder = inputs / "folder"
        written = write_folder(folder, files, year)
        data = fresh_data(root, "data-c")
        yield measure("c", f"a folder of {files:,} files", [folder], data, written, files, timeout)
        if "d-folder" in cases:
            yield measure("d-folder", f"the same {files:,} files again (all seen)", [folder], data, written, files,
                          timeout)


def _lift(size: int) -> int | None:
    return size + 1 if size > formats.MAX_BYTES else None


def report(found: dict[str, dict]) -> str:
    lines = [f"{'case':<9} {'what':<44} {'records':>9} {'wall s':>8} {'cpu s':>8} {'records/s':>10} {'peak MiB':>9}  status"]
    for f in found.values():
        rate = "—" if f["records_per_s"] is None else f"{f['records_per_s']:,}"
        lines.append(f"{f['case']:<9} {f['what']:<44} {f['records']:>9,} {f['wall_s']:>8.2f} {f['cpu_s']:>8.2f} "
                     f"{rate:>10} {f['peak_mib']:>9.1f}  {f['status']}{'; ' + f['note'] if f['note'] else ''}")
    return "\n".join(lines)


def child(argv: list[str]) -> int:
    """Inside the measured process: optionally lift the file size limit, run the real CLI, then write
    this process's peak resident memory (VmHWM, KiB) to --peak-file."""
    p = argparse.ArgumentParser()
    p.add_argument("--max-bytes", type=int)
    p.add_argument("--peak-file", required=True)
    p.add_argument("rest", nargs=argparse.REMAINDER)
    args = p.parse_args(argv)
    if args.max_bytes:
        formats.MAX_BYTES = args.max_bytes
    from site_builder import cli

    rest = args.rest[1:] if args.rest[:1] == ["--"] else args.rest
    try:
        return cli.main(rest)
    finally:
        Path(args.peak_file).write_text(str(_peak_kib()))


def _peak_kib() -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return child(argv[1:])
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--small", type=int, default=10_000, help="records in case a (default 10000)")
    p.add_argument("--large", type=int, default=100_000, help="records in cases b and d-file (default 100000)")
    p.add_argument("--files", type=int, default=10_000, help="files in cases c and d-folder (default 10000)")
    p.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of {', '.join(CASES)} (d = both d cases)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per case before it is killed (default 600)")
    p.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (inputs, ledgers, summaries)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = p.parse_args(argv)
    wanted = tuple(c for c in CASES if c in args.cases.split(",") or c.split("-")[0] in args.cases.split(","))
    found = figures(args.small, args.large, args.files, wanted, args.timeout, Path(args.keep) if args.keep else None)
    print(json.dumps(found, ensure_ascii=False, indent=1) if args.json else report(found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
