"""The search index in pieces (site_builder/search.py): what a query finds, what it downloads, determinism,
the memo, and the budgets at 10,000 synthetic stories. search.run_query mirrors theme/static/js/search.js;
tests/browser/test_search_offline.py runs the real script."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from site_builder import search
from site_builder.model import Story
from test_pages import TODAY, sample_content

TAGS = ["五点半课堂", "周末门诊", "结对帮扶", "技能培训", "三官一律进社区", "环境整治", "政策宣传", "传统节日"]
PARAGRAPH = ("在职党员利用周末到社区报到，认领服务岗位，和社区工作人员一起走访困难家庭，"
             "把政策送到群众家门口。居民说，有事找党员，心里踏实。")
QUERY_BUDGET = 200_000  # bytes one query may download at 10,000 stories, the manifest included


def synthetic_story(n: int) -> Story:
    """Story n as benchmarks/build_many_stories.py write_stories writes it, already loaded."""
    body = "\n".join(f"<p>{PARAGRAPH}（第{n}篇第{k}段）</p>" for k in range(1, 6))
    return Story(slug=f"bench-{n:05d}", title=f"社区志愿服务纪实第{n}篇", date=dt.date(2026, 1, 1) + dt.timedelta(days=n % 300),
                 summary=f"第{n}篇：在职党员到社区开展志愿服务的一天。", body_html=body,
                 community="yangguang" if n % 2 else "nongke", team="jiaoyu-wenti",
                 tags=(TAGS[n % len(TAGS)], TAGS[(n * 7 + 3) % len(TAGS)]))


def with_stories(count: int, *extra: Story):
    content = sample_content()
    stories = dict(content.stories)
    stories.update((s.slug, s) for s in [*(synthetic_story(n) for n in range(count)), *extra])
    return dataclasses.replace(content, stories=stories)


def urls(files, query: str) -> list[str]:
    return [e.url for e in search.run_query(files, query, shown=1000)[0]]


@pytest.fixture(scope="module")
def sample_files():
    content = sample_content()
    mid = Story("baodao", "社区里的一天", dt.date(2026, 6, 1), "一位党员的周末。",
                body_html="<p>星期六上午，党员到社区报到服务，下午走访。</p>")
    content.stories[mid.slug] = mid
    return search.outputs(content, TODAY)


def test_two_character_word_in_the_middle_of_a_sentence_is_found(sample_files):
    assert search.query_terms("报到") == ["报到"]
    assert urls(sample_files, "报到") == ["/stories/baodao/"]  # “党员到社区报到服务”: only in the story's text
    assert urls(sample_files, "区报") == ["/stories/baodao/"]  # any pair, word boundary or not
    assert urls(sample_files, "社区报到服务") == ["/stories/baodao/"]
    assert urls(sample_files, "报道") == []


def test_single_character_finds_titles_and_shown_text(sample_files):
    assert search.query_terms("政") == ["政"]
    政 = urls(sample_files, "政")
    assert "/posts/YG-ZC-01/" in 政 and "/activities/2026-12-15-yangguang/" in 政  # 政策宣传岗, 政策宣讲
    assert urls(sample_files, "午") == []  # 上午 is only in a story's text: single characters search short text


def test_post_codes_latin_and_digits(sample_files):
    assert urls(sample_files, "YG-ZC-01") == ["/posts/YG-ZC-01/"]
    assert urls(sample_files, "yg-zc-01") == ["/posts/YG-ZC-01/"]
    assert urls(sample_files, "ＹＧ－ＺＣ－０１".replace("－", "-")) == ["/posts/YG-ZC-01/"]  # full-width letters
    assert urls(sample_files, "ZC-01") == ["/posts/YG-ZC-01/"]  # from any part of the code on
    assert set(urls(sample_files, "YG-HJ")) == {"/posts/YG-HJ-01/", "/posts/YG-HJ-02/"}  # a prefix
    assert urls(sample_files, "YG-ZC-09") == []
    assert urls(sample_files, "典型案例 12") == ["/stories/story-12/"]  # kind and a number


def test_order_lists_other_entries_first_then_stories_newest_first(sample_files):
    found = urls(sample_files, "五点半")
    assert found[:2] == ["/teams/jiaoyu-wenti/", "/activities/2026-12-16-jiaoyu-wenti/"]
    stories = [u for u in found if u.startswith("/stories/")]
    assert stories == sorted(stories, reverse=True) and stories[0] == "/stories/story-11/"


def test_public_content_only(sample_files):
    everything = b"".join(sample_files.values()).decode("utf-8")
    kinds = {e.kind for q in ("社区", "五点半") for e in search.run_query(sample_files, q, shown=1000)[0]}
    assert kinds == {0, 1, 2, 3, 4}  # communities, posts, teams, activities, stories
    assert "/activities/2026-05-15-yangguang/" not in everything  # past activities are not searchable
    assert urls(sample_files, "建华") == []  # members a story names stay on its page
    assert "王建华" not in everything and "029-87031216" not in everything


def test_pieces_are_named_by_their_bytes_and_the_manifest_names_them(sample_files):
    manifest = json.loads(sample_files[search.MANIFEST])
    width = manifest["hash"]
    for path, data in sample_files.items():
        if path != search.MANIFEST:
            assert path.rsplit(".", 2)[1] == search._hash(data), path
    named = {f"search/i/{n}.{manifest['shards'][n * width:(n + 1) * width]}.json"
             for n in range(len(manifest["shards"]) // width)}
    named |= {f"search/f/{n}.{h}.json" for n in range(len(manifest["fragments"]) // width)
              if (h := manifest["fragments"][n * width:(n + 1) * width]) != search.NO_PIECE}
    assert named == set(sample_files) - {search.MANIFEST}


def test_deterministic_and_the_memo_changes_nothing():
    content = with_stories(300)
    memo: dict = {}
    first = search.outputs(content, TODAY, memo)
    assert search.outputs(with_stories(300), dt.date(2026, 11, 28)) == first
    assert search.outputs(content, TODAY, memo) == first
    assert memo and all(isinstance(k, str) for k in memo)
    edited = dict(content.stories)
    edited["bench-00007"] = dataclasses.replace(edited["bench-00007"], body_html="<p>楼道亮灯</p>")
    changed = dataclasses.replace(content, stories=edited)
    assert search.outputs(changed, TODAY, memo) == search.outputs(changed, TODAY)
    assert urls(search.outputs(changed, TODAY, memo), "亮灯") == ["/stories/bench-00007/"]


def test_a_new_story_renames_few_pieces():
    before = search.outputs(with_stories(2000), TODAY)
    newest = dataclasses.replace(synthetic_story(2000), slug="zz-newest", date=dt.date(2026, 11, 27))
    after = search.outputs(with_stories(2000, newest), TODAY)
    renamed = set(before) - set(after)
    assert len(renamed) < len(before) / 3
    assert urls(after, "第2000篇") == ["/stories/zz-newest/"]


@pytest.fixture(scope="module")
def many():
    content = with_stories(10_000)
    memo: dict = {}
    files = search.outputs(content, TODAY, memo)
    assert search.outputs(content, TODAY, memo) == files  # the memo gives the same bytes (its speed: benchmarks/)
    return files


@pytest.mark.parametrize("query", ["报到", "服务", "五点半课堂", "点半", "社", "YG-ZC-01", "第9999篇", "阳光社区", "没有这个词"])
def test_one_query_downloads_little_at_10000_stories(many, query):
    files = many
    results, total, fetched = search.run_query(files, query)
    assert sum(len(files[p]) for p in fetched) <= QUERY_BUDGET
    if query != "没有这个词":
        assert results
    if query == "第9999篇":
        assert [e.url for e in results] == ["/stories/bench-09999/"]
    if query == "报到":
        assert total >= 10_000  # every synthetic story says 到社区报到 mid-sentence


def test_pieces_stay_small_at_10000_stories(many):
    files = many
    assert len(files[search.MANIFEST]) <= 16_000
    assert max(len(v) for k, v in files.items() if k.startswith(search.SHARD_DIR)) <= 32_000
    assert max(len(v) for k, v in files.items() if k.startswith(search.FRAGMENT_DIR)) <= 8_000
