"""validate.py on fixture trees named for their case; one located message per mistake."""

from __future__ import annotations

import re
from pathlib import Path

from content_trees import TODAY, TREES, all_problems, copy_tree, load
from site_builder import validate
from site_builder.errors import ContentErrors

LOCATED = re.compile(r"^[^:：]+:\d+：.+；应为.+$")


def _rel(problem, tree: str) -> str:
    return problem.path.split(f"fixtures/content/{tree}/", 1)[1]


def _where(problems, tree: str) -> list[tuple[str, int, str]]:
    return [(_rel(p, tree), p.line, p.message) for p in problems]


def test_minimal_tree_is_valid():
    assert all_problems(TREES / "minimal") == []


def test_broken_references_name_the_valid_values():
    problems = all_problems(TREES / "broken-refs")
    assert [str(p).split("broken-refs/", 1)[1] for p in problems] == [
        "activities/2026-05.yaml:10：活动 2026-05-15-yangguang：社区 “nowhere” 不存在；应为 yangguang、xinyuan 之一",
        "activities/2026-05.yaml:11：活动 2026-05-15-yangguang：志愿服务队 “no-team” 不存在；应为 jiaoyu-wenti 之一",
        "activities/2026-05.yaml:12：活动 2026-05-15-yangguang：岗位 “YG-ZC-09” 不存在；应为 YG-ZC-01、YG-XX-02 之一（你是不是想写 “YG-ZC-01”？）",
        "posts/yangguang.yaml:7：岗位 YG-XX-02：类别 “XX” 不存在；应为 ZC、HJ 之一",
        "stories/2026-03-12-dengguang.md:5：典型案例 2026-03-12-dengguang：社区 “taidong” 不存在；应为 yangguang、xinyuan 之一",
        "teams/jiaoyu-wenti.md:3：志愿服务队 jiaoyu-wenti：牵头部门 “D99” 不存在；应为 D03 之一",
    ]


def test_bad_yaml_is_reported_once_per_file_without_follow_on_errors():
    problems = all_problems(TREES / "bad-yaml")
    assert [(_rel(p, "bad-yaml"), p.line) for p in problems] == [
        ("communities.yaml", 8), ("stories/2026-03-12-dengguang.md", 8)]
    assert all(p.message.startswith("YAML 语法错误") for p in problems)


def test_duplicate_ids_and_codes():
    problems = all_problems(TREES / "duplicate-codes")
    assert _where(problems, "duplicate-codes") == [
        ("activities/2026-06.yaml", 1, "活动 2026-05-15-yangguang 重复定义"),
        ("categories.yaml", 5, "类别 ZC 重复定义"),
        ("posts/yangguang.yaml", 7, "岗位编码 YG-ZC-01 重复定义"),
    ]
    assert problems[0].expected.endswith("duplicate-codes/activities/2026-05.yaml:1）")
    assert problems[2].expected == "每个岗位编码只定义一次（首次定义在第 1 行）"


def test_bad_dates_and_times():
    problems = all_problems(TREES / "bad-dates")
    assert _where(problems, "bad-dates") == [
        ("activities/2026-05.yaml", 3, "活动 2026-05-15-yangguang：字段 date 的值为 “2026-13-01”，不是日期"),
        ("activities/2026-05.yaml", 14, "活动 2026-05-16-yangguang：字段 start 的值为 “25:00”，不是时间"),
        ("activities/2026-05.yaml", 25, "活动 2026-06-15-yangguang：结束时间 14:00 不晚于开始时间 15:00"),
        ("activities/2026-05.yaml", 33, "活动 2019-06-15-yangguang：日期 2019-06-15 离活动年度 2026 太远"),
        ("stories/2026-03-12-dengguang.md", 3, "典型案例 2026-03-12-dengguang：字段 date 的值为 “3月12日”，不是日期"),
    ]


def test_several_mistakes_give_one_located_message_each():
    problems = all_problems(TREES / "several-mistakes")
    assert _where(problems, "several-mistakes") == [
        ("activities/2026-05.yaml", 8, "活动 2026-05-15-yangguang：活动类型 “国庆节” 不存在"),
        ("communities.yaml", 9, "社区 xinyuan：包抓部门 “D07” 不存在"),
        ("posts/yangguang.yaml", 5, "岗位 YG-ZC-01：字段 capacity 的值为 0"),
        ("posts/yangguang.yaml", 11, "岗位 YG-ZC-02：角色 “联络员” 不存在"),
        ("stories/2026-03-12-dengguang.md", 7, "典型案例 2026-03-12-dengguang：未知字段 “draf”"),
        ("stories/2026-03-12-dengguang.md", 9, "典型案例 2026-03-12-dengguang：党员 王建华：缺少字段 consent"),
        ("teams/jiaoyu-wenti.md", 2, "志愿服务队 jiaoyu-wenti：缺少字段 summary"),
    ]
    assert all(LOCATED.match(str(p)) for p in problems)
    assert problems[4].expected.endswith("之一（你是不是想写 “draft”？）")
    text = ContentErrors(problems).render().splitlines()
    assert len(text) == 8 and text[-1] == "共 7 处问题，未写入任何文件。"


def test_problems_and_the_count_line_read_as_chinese():
    from site_builder.errors import Problem, spaced

    assert str(Problem("content/site.yaml", None, "找不到文件", "含有 site.yaml 的内容文件夹")) == \
        "content/site.yaml：找不到文件；应为含有 site.yaml 的内容文件夹"
    assert str(Problem("a.yaml", 3, "字段 draft 的值为 “1”", "true 或 false")) == "a.yaml:3：字段 draft 的值为 “1”；应为 true 或 false"
    assert str(Problem("a.yaml", 3, "文件内容是一个列表")) == "a.yaml:3：文件内容是一个列表"
    assert ContentErrors([Problem("a.yaml", 1, "x")], nothing_written=False).render() == "a.yaml:1：x\n共 1 处问题。"
    assert spaced("类别", "“ZC9”", "不存在") == "类别 “ZC9” 不存在" and spaced("应为", "日期，格式", "YYYY") == "应为日期，格式 YYYY"
    assert spaced("ZC、HJ、…（共 30 个）", "之一") == "ZC、HJ、…（共 30 个）之一"


def test_story_link_to_a_missing_page_is_located():
    loaded, problems = load(TREES / "story-bad-link")
    assert problems == [] and validate.validate(loaded) == []
    urls = {"/", "/communities/", "/communities/yangguang/"}
    broken = validate.check_story_links(loaded, urls)
    assert [(_rel(p, "story-bad-link"), p.line, p.message) for p in broken] == [
        ("stories/2026-03-12-dengguang.md", 14,
         "典型案例 2026-03-12-dengguang：链接 “/communities/nowhere/” 指向的页面不存在")]
    assert broken[0].expected == "站内路径，例如 /communities/"


def test_story_links_accept_pages_images_feeds_and_fragments():
    loaded, _ = load(TREES / "unicode")
    assert validate.check_story_links(loaded, {"/stories/tag/五点半课堂/"}) == []
    assert len(validate.check_story_links(loaded, {"/stories/tag/other/"})) == 1


def _mutated(tmp_path, relative: str, old: str, new: str):
    root = copy_tree("minimal", tmp_path)
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return all_problems(root)


def test_post_code_must_match_its_community_and_category(tmp_path):
    problems = _mutated(tmp_path, "posts/yangguang.yaml", "category: ZC", "category: HJ")
    assert [p.message for p in problems] == ["岗位 YG-ZC-01：编码中的类别是 ZC，但字段 category 是 HJ"]
    problems = _mutated(tmp_path / "b", "posts/yangguang.yaml", "code: YG-ZC-01", "code: XY-ZC-01")
    assert "岗位 XY-ZC-01：编码以 XY 开头，但本文件是阳光社区的岗位" in [p.message for p in problems]


def test_post_file_must_be_named_for_a_community(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "posts" / "yangguang.yaml").rename(root / "posts" / "sunshine.yaml")
    problems = all_problems(root)
    assert any(p.message == "文件名 “sunshine.yaml” 不是社区 id" for p in problems)


def test_activity_needs_a_community_or_a_team(tmp_path):
    problems = _mutated(tmp_path, "activities/2026-05.yaml", "  community: yangguang\n  team: jiaoyu-wenti\n", "")
    assert [p.message for p in problems] == ["活动 2026-05-15-yangguang：community 和 team 都没有填写"]


def test_site_targets_are_checked(tmp_path):
    root = copy_tree("minimal", tmp_path)
    with (root / "site.yaml").open("a", encoding="utf-8") as f:
        f.write("targets:\n  star_hours: [100, 300, 300, 1000, 1500]\n  three_star_share: 1.5\n"
                "  registration_deadline: '02-30'\n")
    loaded, problems = load(root)
    assert loaded is None
    assert [(p.line, p.message.split("：")[1].strip()) for p in problems] == [
        (8, "字段 star_hours 的值为 [100, 300, 300, 1000, 1500]"), (9, "字段 three_star_share 的值为 1.5"),
        (10, "字段 registration_deadline 的值 02-30 不是真实的日期")]


def test_too_many_key_communities_and_missing_liaison(tmp_path):
    problems = _mutated(tmp_path, "communities.yaml", "  key: false\n  liaison: [D03]", "  key: false")
    assert [p.message for p in problems] == ["社区 xinyuan：不是重点社区，也没有写包抓部门"]


def test_story_member_rules(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "stories" / "named.md").write_text(
        "---\ntitle: 表彰\ndate: 2026-03-12\nsummary: 摘要。\nmembers:\n  - name: 李明\n    department: D09\n"
        "    consent: 2026-04-01\n---\n正文\n", encoding="utf-8")
    problems = all_problems(root)
    assert [p.message for p in problems] == [
        "典型案例 named：党员 李明：同意记录日期 2026-04-01 晚于案例发布日期",
        "典型案例 named：党员 李明：部门 “D09” 不存在"]


def test_reserved_story_names_and_bad_tags(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "stories" / "page.md").write_text("---\ntitle: 页\ndate: 2026-03-12\nsummary: 摘要。\ntags: [a/b]\n---\n",
                                              encoding="utf-8")
    messages = [p.message for p in all_problems(root)]
    assert messages == ["典型案例 page：文件名 “page.md” 是保留名称",
                        "典型案例 page：标签 “a/b” 不能用作网址的一部分"]


def test_long_lists_of_valid_values_are_shortened(tmp_path):
    root = copy_tree("minimal", tmp_path)
    extra = "".join(f"- code: D{n:02d}\n  name: 部门{n}\n  headcount: 5\n" for n in range(10, 40))
    with (root / "departments.yaml").open("a", encoding="utf-8") as f:
        f.write(extra)
    problems = _mutated_root(root, "teams/jiaoyu-wenti.md", "[D03]", "[D99]")
    assert problems[0].expected.startswith("D03、D10、D11") and problems[0].expected.endswith("、…（共 31 个）之一")


def _mutated_root(root, relative, old, new):
    path = root / relative
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return all_problems(root)


def test_activity_posts_belong_to_its_community_and_party_days_fall_on_activity_days(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "posts" / "xinyuan.yaml").write_text(
        "- code: XY-ZC-01\n  category: ZC\n  title: 宣传岗\n  duties: 宣讲。\n  capacity: 2\n", encoding="utf-8")
    path = root / "activities" / "2026-05.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("[YG-ZC-01]", "[YG-ZC-01, XY-ZC-01]")
                    .replace("date: 2026-05-15", "date: 2026-05-18"), encoding="utf-8")
    problems = all_problems(root)
    assert [(p.line, p.message) for p in problems] == [
        (3, "活动 2026-05-15-yangguang：id 中的日期是 2026-05-15，但字段 date 是 2026-05-18"),
        (3, "活动 2026-05-15-yangguang：活动类型是党员活动日，但 2026-05-18 不是党员活动日"),
        (12, "活动 2026-05-15-yangguang：岗位 XY-ZC-01 属于社区 xinyuan，不属于 yangguang")]


def test_member_problems_point_at_the_members_list(tmp_path):
    root = copy_tree("unicode", tmp_path)
    path = root / "stories" / "2026-03-12-dengguang.md"
    path.write_text(path.read_text(encoding="utf-8").replace("department: D03", "department: D04"), encoding="utf-8")
    problems = all_problems(root)
    assert [(p.line, p.message) for p in problems] == [
        (8, "典型案例 2026-03-12-dengguang：党员 王建华：部门 “D04” 不存在")]


def test_personal_numbers_are_refused_in_public_content(tmp_path):
    root = copy_tree("minimal", tmp_path)
    _mutated_root(root, "communities.yaml", "  key: true\n", "  key: true\n  phone: '13912345678'\n")
    problems = _mutated_root(root, "stories/2026-03-12-dengguang.md", "的书屋就亮起灯。",
                             "的书屋就亮起灯，联系人身份证号61040319800101123X。")
    assert [(Path(p.path).name, p.line, p.message) for p in problems] == [
        ("communities.yaml", 5, "社区 yangguang：字段 phone 中有手机号码（139…）"),
        ("2026-03-12-dengguang.md", 10, "典型案例 2026-03-12-dengguang：正文中有身份证号码（610…）"),
    ]


def test_wrong_types_everywhere_are_reported_without_crashing():
    problems = all_problems(TREES / "wrong-types", drafts=True)
    files = {_rel(p, "wrong-types") for p in problems}
    assert files == {"activities/2026-05.yaml", "communities.yaml", "departments.yaml", "posts/yangguang.yaml",
                     "stories/x.md", "stories/y.md", "stories/z.md", "teams/jiaoyu-wenti.md"}
    assert len(problems) == 20
    assert all(p.expected for p in problems)


def test_load_checked_raises_every_problem_at_once_and_returns_valid_content():
    import pytest

    from site_builder.build import Options, load_checked

    with pytest.raises(ContentErrors) as raised:
        load_checked(Options(content_dir=TREES / "several-mistakes", today=TODAY))
    assert len(raised.value.problems) == 7
    loaded = load_checked(Options(content_dir=TREES / "minimal", today=TODAY))
    assert list(loaded.posts) == ["YG-ZC-01"]


def test_story_links_with_fragments_feeds_images_and_no_trailing_slash(tmp_path):
    root = copy_tree("minimal", tmp_path)
    path = root / "stories" / "2026-03-12-dengguang.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n[甲](/communities/yangguang/#posts) [乙](/feed.xml) "
                    "[丙](/stories/images/cover.png) [丁](/communities/yangguang) "
                    "[戊](/communities/yangguang/activities.ics) [己](/teams/?q=1)\n\n[庚](/nowhere.html)\n",
                    encoding="utf-8")
    loaded, problems = load(root)
    assert problems == []
    broken = validate.check_story_links(loaded, {"/communities/yangguang/", "/teams/"})
    assert [(p.line, p.message.split("：", 1)[1]) for p in broken] == [
        (16, "链接 “/nowhere.html” 指向的页面不存在")]
