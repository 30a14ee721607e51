"""content.load on the fixture trees: values, types, order, drafts, base URL, copied files."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from content_trees import TODAY, TREES, all_problems, copy_tree, load
from site_builder import content, stories
from site_builder.cache import Cache
from site_builder.model import Image, Post
from site_builder.pool import Pool

REPO = Path(__file__).resolve().parent.parent


def test_minimal_tree_loads_without_problems():
    loaded, problems = load(TREES / "minimal")
    assert problems == []
    assert loaded.site.year == 2026 and loaded.site.base_path == "/"
    assert list(loaded.communities) == ["yangguang", "xinyuan"]  # file order
    assert loaded.communities["xinyuan"].liaison == ("D03",)
    assert loaded.departments["D03"].headcount == 12
    post = loaded.posts["YG-ZC-01"]
    assert post == Post("YG-ZC-01", "yangguang", "ZC", "政策宣传岗", "宣讲惠民政策。", 3, role="宣传员",
                        source="posts/yangguang.yaml", line=1)
    activity = loaded.activities["2026-05-15-yangguang"]
    assert (activity.start, activity.end, activity.hours) == (dt.time(9), dt.time(11, 30), 2.5)
    assert activity.posts == ("YG-ZC-01",) and activity.team == "jiaoyu-wenti"
    team = loaded.teams["jiaoyu-wenti"]
    assert team.lead_departments == ("D03",) and team.services[0].category == "ZC"
    assert team.body_html == "<p>放学后辅导作业。</p>"


def test_site_defaults_fill_what_site_yaml_leaves_out():
    site = load(TREES / "minimal")[0].site
    assert site.targets.star_hours == (100, 300, 600, 1000, 1500)
    assert site.targets.registration_deadline == "05-10"
    assert (site.activity_days, site.min_group) == ((15, 16), 5)


def test_model_values_are_frozen_and_use_tuples():
    loaded, _ = load(TREES / "minimal")
    story = next(iter(loaded.stories.values()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        story.title = "x"  # type: ignore[misc]
    for value in (story.tags, story.images, story.links, story.members, loaded.teams["jiaoyu-wenti"].services):
        assert isinstance(value, tuple)


def test_base_url_override_sets_the_base_path():
    loaded, problems = load(TREES / "minimal", base_url="/sansong")
    assert problems == []
    # a path-only override keeps site.yaml's host, so feeds and og:url stay absolute
    assert loaded.site.base_url == "https://example.test/sansong/" and loaded.site.base_path == "/sansong/"


def test_bad_base_url_override_is_reported():
    _, problems = load(TREES / "minimal", base_url="sansong")
    assert any("--base-url 的值 “sansong” 既不是网址也不是路径" in p.message for p in problems)


def _story(root: Path, name: str, front: str, body: str = "正文。") -> None:
    (root / "stories" / f"{name}.md").write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")


def test_drafts_and_future_stories_are_left_out_unless_drafts(tmp_path):
    root = copy_tree("minimal", tmp_path)
    _story(root, "draft", "title: 草稿\ndate: 2026-04-01\nsummary: 未完成。\ndraft: true")
    _story(root, "later", "title: 定时\ndate: 2026-04-02\nsummary: 以后发布。\npublish_date: 2026-07-01")
    _story(root, "newest", "title: 最新\ndate: 2026-05-20\nsummary: 已发布。")
    published, problems = load(root)
    assert problems == []
    assert list(published.stories) == ["newest", "2026-03-12-dengguang"]  # newest first
    everything, _ = load(root, drafts=True)
    assert list(everything.stories) == ["newest", "later", "draft", "2026-03-12-dengguang"]
    on_the_day, _ = load(root, today=dt.date(2026, 7, 1))
    assert "later" in on_the_day.stories and "draft" not in on_the_day.stories


def test_activities_are_sorted_by_start_across_files(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "activities" / "2026-04.yaml").write_text(
        "- id: late\n  title: 晚\n  date: 2026-04-15\n  start: '15:00'\n  end: '16:00'\n  place: 中心\n"
        "  category: ZC\n  occasion: 其他\n  organiser: 社区\n  community: yangguang\n"
        "- id: early\n  title: 早\n  date: 2026-04-15\n  start: '08:00'\n  end: '09:30'\n  place: 中心\n"
        "  category: ZC\n  occasion: 其他\n  organiser: 社区\n  community: yangguang\n  hours: 1\n",
        encoding="utf-8")
    loaded, problems = load(root)
    assert problems == []
    assert list(loaded.activities) == ["early", "late", "2026-05-15-yangguang"]
    assert loaded.activities["early"].hours == 1.0 and loaded.activities["late"].hours == 1.0


def test_copied_files_are_the_story_images_at_their_output_paths():
    loaded, _ = load(TREES / "minimal")
    files = content.copied_files(loaded)
    assert list(files) == ["stories/images/cover.png"]
    assert files["stories/images/cover.png"] == (TREES / "minimal/stories/images/cover.png").read_bytes()
    story = loaded.stories["2026-03-12-dengguang"]
    assert story.cover == Image("stories/images/cover.png", 8, 6)
    assert story.images == (story.cover,)  # the cover and the body's image are one file


def test_unicode_tree_loads_chinese_names_bom_and_emoji():
    loaded, problems = load(TREES / "unicode")
    assert problems == []
    story = loaded.stories["2026-03-12-dengguang"]
    assert story.title == "灯光🌟：五点半课堂"
    assert story.tags == ("五点半课堂", "教育·文化")
    assert story.cover.src == "stories/images/封面 图.png"
    assert story.members[0].consent == dt.date(2026, 3, 1)
    assert "<是>" in loaded.communities["yangguang"].description
    assert content.copied_files(loaded).keys() == {"stories/images/封面 图.png"}


def test_missing_site_yaml_means_no_content(tmp_path):
    loaded, problems = load(tmp_path)
    assert loaded is None
    assert str(problems[0]).endswith("site.yaml：找不到文件；应为含有 site.yaml 的内容文件夹")


def test_unusable_site_yaml_means_no_content_but_every_site_problem(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "site.yaml").write_text(
        "title: 标题\nsubtitle: 三送三促\ndistrict: 测试区\nbase_url: https://x.test/\nlanguage: zh-CN\n"
        "year: 明年\ntargets:\n  star_hours: [100, 50, 600, 1000, 1500]\n  registration_rate: 90\n", encoding="utf-8")
    loaded, problems = load(root)
    assert loaded is None
    assert [(p.line, p.message.split("：")[0]) for p in problems] == [
        (6, "字段 year 的值为 “明年”"), (8, "targets"), (9, "targets")]


def test_problem_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    copy_tree("several-mistakes", tmp_path)
    monkeypatch.chdir(tmp_path)
    problems = all_problems(Path("content"))
    assert problems and all(p.path.startswith("content/") for p in problems)


def test_sample_content_loads_without_problems():
    """The real content/ (written by another engineer): every file loads and validates."""
    problems = all_problems(REPO / "content", drafts=True)
    assert [str(p) for p in problems] == []
    loaded, _ = load(REPO / "content")
    assert len(loaded.communities) == 23 and sum(c.key for c in loaded.communities.values()) == 13
    assert len(loaded.categories) == 8 and len(loaded.teams) == 5


def test_parallel_story_loading_gives_the_same_content(tmp_path, monkeypatch):
    root = copy_tree("unicode", tmp_path)
    for n in range(6):
        _story(root, f"s{n}", f"title: 故事{n}\ndate: 2026-04-0{n + 1}\nsummary: 摘要。",
               "见[社区](/communities/yangguang/)。\n\n![图](images/封面 图.png)" if n % 2 else "<script>x</script>")
    _story(root, "broken", "title: 坏\ndate: 不是日期\nsummary: 摘要。")
    serial = load(root, drafts=True)
    monkeypatch.setattr(stories, "PARALLEL_FROM", 1)
    with Pool(2) as pool:
        parallel = content.load(root, drafts=True, today=TODAY, pool=pool)
    assert parallel[0].stories == serial[0].stories and list(parallel[0].stories) == list(serial[0].stories)
    assert parallel[1] == serial[1] and len(serial[1]) == 1
    bodies = [(c.bodies(list(c.stories.values()))) for c in (serial[0], parallel[0])]
    assert bodies[0] == bodies[1] and len(bodies[0]) == 7 and sum("<p>" in b for b in bodies[0].values()) >= 3


def cached_load(root, cache_file, **kwargs):
    cache = Cache.open(cache_file, {"code": "test"}, warn=pytest.fail)
    try:
        return content.load(root, drafts=kwargs.get("drafts", False), today=TODAY,
                            base_url=kwargs.get("base_url"), cache=cache)
    finally:
        cache.close()


def test_unchanged_stories_come_from_the_cache_until_the_file_or_an_image_changes(tmp_path):
    root = copy_tree("minimal", tmp_path)
    cache_file = tmp_path / "cache.sqlite"
    first = cached_load(root, cache_file)[0].stories["2026-03-12-dengguang"]
    again = cached_load(root, cache_file)[0].stories["2026-03-12-dengguang"]
    assert again.body_html == first.body_html == "" and again == first  # bodies stay in the body store
    assert again.digest == first.digest
    loaded = cached_load(root, cache_file, base_url="/sub/")[0]
    other = loaded.stories["2026-03-12-dengguang"]
    assert other.digest != first.digest and "/sub/" in loaded.body(other)  # other base path: rendered again
    path = root / "stories" / "2026-03-12-dengguang.md"
    path.write_text(path.read_text(encoding="utf-8").replace("五点半课堂里的灯光", "灯光"), encoding="utf-8")
    edited = cached_load(root, cache_file)[0].stories["2026-03-12-dengguang"]
    assert edited.title == "灯光" and edited.digest != first.digest
    from PIL import Image as Picture
    Picture.new("RGB", (20, 10)).save(root / "stories" / "images" / "cover.png")
    assert cached_load(root, cache_file)[0].stories["2026-03-12-dengguang"].cover.width == 20


def test_a_cached_story_body_is_fetched_when_asked(tmp_path):
    root = copy_tree("minimal", tmp_path)
    cache_file = tmp_path / "cache.sqlite"
    fresh = load(root)[0]
    first_body = fresh.body(fresh.stories["2026-03-12-dengguang"])
    assert "<p>" in first_body
    cached_load(root, cache_file)
    cache = Cache.open(cache_file, {"code": "test"}, warn=pytest.fail)
    loaded, _ = content.load(root, drafts=False, today=TODAY, cache=cache)
    story = loaded.stories["2026-03-12-dengguang"]
    assert story.body_html == "" and loaded.body(story) == first_body
    cache.close()


def test_stories_with_problems_are_not_cached(tmp_path):
    root = copy_tree("minimal", tmp_path)
    cache_file = tmp_path / "cache.sqlite"
    (root / "stories" / "images" / "cover.png").rename(root / "stories" / "images" / "later.png")
    assert len(cached_load(root, cache_file)[1]) == 2  # the cover and the body image
    assert len(cached_load(root, cache_file)[1]) == 2  # reported again, not remembered as fine
    (root / "stories" / "images" / "later.png").rename(root / "stories" / "images" / "cover.png")
    assert cached_load(root, cache_file)[1] == []


def test_files_with_a_near_miss_suffix_are_reported_not_ignored(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "posts" / "xinyuan.yml").write_text("[]\n", encoding="utf-8")
    (root / "stories" / "later.markdown").write_text("x\n", encoding="utf-8")
    _, problems = load(root)
    assert sorted((Path(p.path).name, p.message, p.expected) for p in problems) == [
        ("later.markdown", "未读取此文件：扩展名是 “.markdown”", "扩展名 “.md”"),
        ("xinyuan.yml", "未读取此文件：扩展名是 “.yml”", "扩展名 “.yaml”")]


def test_images_on_team_pages_are_copied_too(tmp_path):
    root = copy_tree("unicode", tmp_path)
    team = root / "teams" / "jiaoyu-wenti.md"
    team.write_text(team.read_text(encoding="utf-8") + "\n![课堂](../stories/images/封面 图.png)\n", encoding="utf-8")
    (root / "stories" / "2026-03-12-dengguang.md").unlink()
    loaded, problems = load(root, base_url="/sub/")
    assert problems == [] and loaded.stories == {}
    assert 'src="/sub/stories/images/%E5%B0%81' in loaded.teams["jiaoyu-wenti"].body_html
    assert list(content.copied_files(loaded)) == ["stories/images/封面 图.png"]


def test_an_image_removed_after_loading_is_a_located_error(tmp_path):
    from site_builder.errors import ContentErrors

    root = copy_tree("minimal", tmp_path)
    loaded, _ = load(root)
    (root / "stories" / "images" / "cover.png").unlink()
    with pytest.raises(ContentErrors, match="cover.png：构建过程中这张图片被删除或移走了"):
        content.copied_files(loaded)
