"""Build the sample site with N synthetic stories and print time per stage and peak memory.

    .venv/bin/python benchmarks/build_many_stories.py [N] [--keep]

Copies content/ to a temporary folder, writes N stories (default 10000) into its stories/, then runs
the same stages as site_builder.build.render_site one by one, timing each, and writes the site to a
temporary output folder. Prints figures only; nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from site_builder import aggregates, app, assets, build, content, feeds, links, pages, render, validate, writer  # noqa: E402
from site_builder.errors import ContentErrors  # noqa: E402

TAGS = ["五点半课堂", "周末门诊", "结对帮扶", "技能培训", "三官一律进社区", "环境整治", "政策宣传", "传统节日"]
PARAGRAPH = ("在职党员利用周末到社区报到，认领服务岗位，和社区工作人员一起走访困难家庭，"
             "把政策送到群众家门口。居民说，有事找党员，心里踏实。")


def write_stories(folder: Path, count: int, communities: list[str], teams: list[str], year: int) -> None:
    stories = folder / "stories"
    start = dt.date(year, 1, 1)
    for n in range(count):
        day = start + dt.timedelta(days=n % 300)
        community = communities[n % len(communities)]
        team = teams[n % len(teams)]
        tags = f"[{TAGS[n % len(TAGS)]}, {TAGS[(n * 7 + 3) % len(TAGS)]}]"
        body = "\n\n".join(f"{PARAGRAPH}（第{n}篇第{k}段）" for k in range(1, 6))
        (stories / f"bench-{n:05d}.md").write_text(
            f"---\ntitle: 社区志愿服务纪实第{n}篇\ndate: {day.isoformat()}\nsummary: 第{n}篇：在职党员到社区开展志愿服务的一天。\n"
            f"community: {community}\nteam: {team}\ntags: {tags}\n---\n{body}\n", encoding="utf-8")


@contextmanager
def stage(name: str, times: dict[str, float]):
    started = time.perf_counter()
    yield
    times[name] = time.perf_counter() - started
    print(f"  {name:<10} {times[name]:8.2f} s", flush=True)


def run(content_dir: Path, out_dir: Path, today: dt.date) -> int:
    options = build.Options(content_dir=content_dir, out_dir=out_dir, today=today,
                            ledger=content_dir.parent / "no-ledger.sqlite")
    times: dict[str, float] = {}
    with stage("load", times):
        loaded, problems = content.load(content_dir, drafts=False, today=today)
    with stage("validate", times):
        problems += validate.validate(loaded)
        if problems:
            raise ContentErrors(problems)
    with stage("figures", times):
        figures = aggregates.public_figures(loaded, build.ledger_path(options), today)
    with stage("assets", times):
        theme_assets = assets.collect(options.theme_dir)
    with stage("pages", times):
        all_pages = pages.collect(loaded, figures, today) + app.pages(loaded, today)
        problems = validate.check_story_links(loaded, {p.url for p in all_pages})
    with stage("render", times):
        outputs = render.render_all(all_pages, loaded, options.theme_dir, theme_assets, today, figures)
        outputs.update(theme_assets.outputs)
    with stage("feeds", times):
        outputs.update(feeds.outputs(loaded, all_pages, today))
        outputs.update(content.copied_files(loaded))
    with stage("app", times):
        outputs.update(app.outputs(loaded, all_pages, outputs, options.theme_dir, theme_assets))
    with stage("links", times):
        problems += links.check(outputs, loaded.site.base_path)
    if problems:
        raise ContentErrors(problems)
    with stage("write", times):
        writer.write(out_dir, outputs)
    total = sum(times.values())
    print(f"  {'total':<10} {total:8.2f} s for {len(all_pages)} pages, {len(outputs)} files "
          f"({len(loaded.stories)} stories; {1000 * total / len(all_pages):.2f} ms a page)")
    return len(outputs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=10000, help="synthetic stories to add (default 10000)")
    parser.add_argument("--today", default=None, help="build date (default: the end of the programme year)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary content and output folders")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="site-builder-bench-"))
    try:
        content_dir = folder / "content"
        shutil.copytree(ROOT / "content", content_dir)
        sample, _ = content.load(content_dir, drafts=False, today=dt.date.today())
        today = dt.date.fromisoformat(args.today) if args.today else dt.date(sample.site.year, 12, 31)
        started = time.perf_counter()
        write_stories(content_dir, args.count, list(sample.communities), list(sample.teams), sample.site.year)
        print(f"wrote {args.count} stories in {time.perf_counter() - started:.2f} s into {content_dir}")
        run(content_dir, folder / "site", today)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"  peak memory {peak:.0f} MB in the builder, {workers:.0f} MB in the largest worker process "
              "(max resident set size)")
    finally:
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
