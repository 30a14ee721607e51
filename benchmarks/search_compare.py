"""Re-measure the alternatives the search index was chosen over (docs/design.md, "Search").

    .venv/bin/pip install -e '.[search-eval]'
    .venv/bin/python benchmarks/build_many_stories.py 10000 --keep      # prints the kept folder
    .venv/bin/python benchmarks/search_compare.py KEPT_FOLDER/site [--stories 10000]

1. Pagefind (extended build, which segments Chinese): indexes a copy of the built site, timed, then
   Debian's Chromium runs Pagefind's own search API for each query and counts what it downloads.
2. Segmenting the same entries with jieba (pure Python) and rjieba (jieba-rs) against search.terms().
Prints figures only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from search_index import QUERIES, with_stories  # noqa: E402
from site_builder import content, search  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
# What search.py indexes: entity pages and stories, not the lists.
GLOB = "{stories/*,communities/*,posts/*,teams/*,activities/*}/index.html"
PAGE = """<!doctype html><meta charset="utf-8"><script>
window.run = async (q, n) => {
  const pf = await import('/pagefind/pagefind.js');
  await pf.init();
  const r = await pf.search(q);
  const data = await Promise.all(r.results.slice(0, n).map((x) => x.data()));
  return {count: r.results.length, urls: data.map((d) => d.url)};
};
</script>"""


def pagefind(site: Path) -> None:
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "site"
        shutil.copytree(site, copy)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pagefind", "--site", str(copy), "--glob", GLOB, "--quiet"], check=True)
        took = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        bundle = copy / "pagefind"
        files = [p for p in bundle.rglob("*") if p.is_file()]
        print(f"pagefind: {took:.1f} s, peak {peak:.0f} MB, {len(files)} files, "
              f"{sum(p.stat().st_size for p in files) / 1e6:.1f} MB in pagefind/ (needs the written HTML)")
        (copy / "pfq.html").write_text(PAGE, encoding="utf-8")
        queries(copy)


def queries(copy: Path) -> None:
    from playwright.sync_api import sync_playwright

    server = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(copy)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = re.search(r"port (\d+)", server.stdout.readline()).group(1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for query in QUERIES:
                context = browser.new_context(service_workers="block")
                page = context.new_page()
                page.goto(f"http://127.0.0.1:{port}/pfq.html")
                sizes: list[int] = []
                page.on("requestfinished", lambda r, sizes=sizes: sizes.append(r.sizes()["responseBodySize"]))
                found = page.evaluate("([q, n]) => run(q, n)", [query, 20])
                page.wait_for_timeout(300)
                print(f"  {query:<12} {found['count']:>6} found, {len(sizes):>2} files, {sum(sizes):>8,} B  "
                      f"{json.dumps(found['urls'][:2], ensure_ascii=False)}")
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait()


def segmenters(stories: int) -> None:
    sample, _ = content.load(ROOT / "content", drafts=False, today=dt.date(2026, 11, 28))
    others, story_entries = search.entries(with_stories(sample, stories), dt.date(2026, 11, 28))
    texts = [e.short + " " + e.text for e in others + story_entries]
    print(f"segmenting {len(texts)} entries, {sum(map(len, texts)):,} characters")
    started = time.perf_counter()
    for e in others + story_entries:
        search.terms(e.short, e.text)
    print(f"  search.terms (pairs)  {time.perf_counter() - started:6.2f} s")
    import rjieba
    started = time.perf_counter()
    rjieba.cut("载入词典")
    loaded = time.perf_counter() - started
    for text in texts:
        rjieba.cut(text)
    print(f"  rjieba                {time.perf_counter() - started:6.2f} s (dictionary {loaded:.2f} s)")
    import jieba
    jieba.setLogLevel(60)
    started = time.perf_counter()
    jieba.initialize()
    loaded = time.perf_counter() - started
    for text in texts:
        jieba.lcut(text)
    print(f"  jieba                 {time.perf_counter() - started:6.2f} s (dictionary {loaded:.2f} s)")
    print(f"  jieba: {' / '.join(jieba.lcut('党员到社区报到服务，五点半课堂'))}; "
          f"rjieba: {' / '.join(rjieba.cut('党员到社区报到服务，五点半课堂'))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="a built site (build_many_stories.py --keep)")
    parser.add_argument("--stories", type=int, default=10000, help="synthetic stories for the segmenters")
    args = parser.parse_args()
    pagefind(args.site)
    segmenters(args.stories)


if __name__ == "__main__":
    main()
