"""Time the search index (site_builder/search.py) at N synthetic stories and print what one query downloads.

    .venv/bin/python benchmarks/search_index.py [N]

Loads content/, adds N stories in memory (the same front matter and text as build_many_stories.py
writes), then times search.outputs() cold, again with the memo of the first run (nothing changed),
after one story's text changed and after one story was added; prints the sizes of the pieces and, for
a few queries, the files the browser fetches (search.run_query mirrors search.js) and their bytes.
Prints figures only; nothing is asserted (tests/test_search.py asserts the budgets).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from site_builder import content, search  # noqa: E402
from site_builder.model import Story  # noqa: E402

TAGS = ["五点半课堂", "周末门诊", "结对帮扶", "技能培训", "三官一律进社区", "环境整治", "政策宣传", "传统节日"]
PARAGRAPH = ("在职党员利用周末到社区报到，认领服务岗位，和社区工作人员一起走访困难家庭，"
             "把政策送到群众家门口。居民说，有事找党员，心里踏实。")
QUERIES = ("报到", "服务", "五点半课堂", "点半", "社", "YG-ZC-01", "第9999篇", "9999", "阳光社区", "没有这个词")


def synthetic_story(n: int, communities: list[str], teams: list[str], year: int) -> Story:
    """Story n as build_many_stories.write_stories writes it, already loaded."""
    day = dt.date(year, 1, 1) + dt.timedelta(days=n % 300)
    body = "\n".join(f"<p>{PARAGRAPH}（第{n}篇第{k}段）</p>" for k in range(1, 6))
    return Story(slug=f"bench-{n:05d}", title=f"社区志愿服务纪实第{n}篇", date=day,
                 summary=f"第{n}篇：在职党员到社区开展志愿服务的一天。", body_html=body,
                 community=communities[n % len(communities)], team=teams[n % len(teams)],
                 tags=(TAGS[n % len(TAGS)], TAGS[(n * 7 + 3) % len(TAGS)]))


def with_stories(base, count: int):
    stories = dict(base.stories)
    for n in range(count):
        story = synthetic_story(n, list(base.communities), list(base.teams), base.site.year)
        stories[story.slug] = story
    return dataclasses.replace(base, stories=stories)


def timed(label: str, fn):
    started, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(f"  {label:<38} {time.perf_counter() - started:6.3f} s ({time.process_time() - cpu:.3f} s CPU)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=10000, help="synthetic stories (default 10000)")
    args = parser.parse_args()
    sample, problems = content.load(ROOT / "content", drafts=False, today=dt.date(2026, 11, 28))
    assert sample is not None, problems
    today = dt.date(sample.site.year, 11, 28)
    site = with_stories(sample, args.count)
    print(f"search index for {len(site.stories)} stories")
    memo: dict = {}
    files = timed("cold (no memo)", lambda: search.outputs(site, today, memo))
    again = timed("rebuild, nothing changed (memo)", lambda: search.outputs(site, today, memo))
    assert again == files
    slug = "bench-05000"
    edited = dict(site.stories)
    edited[slug] = dataclasses.replace(edited[slug], body_html=edited[slug].body_html + "<p>新增一段：楼道亮灯</p>")
    edit = dataclasses.replace(site, stories=edited)
    after_edit = timed("rebuild after one story edit (memo)", lambda: search.outputs(edit, today, memo))
    added = dict(edited)
    new = dataclasses.replace(synthetic_story(args.count, list(site.communities), list(site.teams), site.site.year),
                              slug="zz-newest", date=dt.date(site.site.year, 11, 27))
    added[new.slug] = new
    after_add = timed("rebuild after one new story (memo)", lambda: search.outputs(
        dataclasses.replace(site, stories=added), today, memo))
    changed = lambda a, b: len(set(a.items()) ^ set(b.items())) // 2  # noqa: E731
    print(f"  pieces renamed: {changed(files, after_edit)} after the edit, {changed(after_edit, after_add)} after the new story"
          f" (of {len(files)})")

    shards = [v for k, v in files.items() if k.startswith(search.SHARD_DIR)]
    fragments = [v for k, v in files.items() if k.startswith(search.FRAGMENT_DIR)]
    print(f"  manifest {len(files[search.MANIFEST]):,} B; {len(shards)} shards: median {statistics.median(map(len, shards)):,.0f} B, "
          f"largest {max(map(len, shards)):,} B; {len(fragments)} fragments: largest {max(map(len, fragments)):,} B; "
          f"all {sum(map(len, files.values())):,} B")
    for query in QUERIES:
        results, total, fetched = search.run_query(files, query)
        size = sum(len(files[p]) for p in fetched)
        print(f"  {query:<12} {total:>6} found, {len(fetched):>2} files, {size:>8,} B "
              f"(without the precached manifest {size - len(files[search.MANIFEST]):,} B)")


if __name__ == "__main__":
    main()
