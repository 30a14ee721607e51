"""validate.py on fixture trees named for their case; one located message per mistake."""

from __future__ import annotations

import re
from pathlib import Path

from content_trees import TODAY, TREES, all_problems, copy_tree, load
from site_builder import validate
from site_builder.errors import ContentErrors

LOCATED = re.compile(r"^[^:]+:\d+: .+; expected .+$")


def _rel(problem, tree: str) -> str:
    return problem.path.split(f"fixtures/content/{tree}/", 1)[1]


def _where(problems, tree: str) -> list[tuple[str, int, str]]:
    return [(_rel(p, tree), p.line, p.message) for p in problems]


def test_minimal_tree_is_valid():
    assert all_problems(TREES / "minimal") == []


def test_broken_references_name_the_valid_values():
    problems = all_problems(TREES / "broken-refs")
    assert [str(p).split("broken-refs/", 1)[1] for p in problems] == [
        "activities/2026-05.yaml:10: activity '2026-05-15-yangguang': unknown community 'nowhere'; expected one of yangguang, xinyuan",
        "activities/2026-05.yaml:11: activity '2026-05-15-yangguang': unknown team 'no-team'; expected one of jiaoyu-wenti",
        "activities/2026-05.yaml:12: activity '2026-05-15-yangguang': unknown post 'YG-ZC-09'; expected one of YG-ZC-01, YG-XX-02 (did you mean 'YG-ZC-01'?)",
        "posts/yangguang.yaml:7: post 'YG-XX-02': unknown category 'XX'; expected one of ZC, HJ",
        "stories/2026-03-12-dengguang.md:5: story '2026-03-12-dengguang': unknown community 'taidong'; expected one of yangguang, xinyuan",
        "teams/jiaoyu-wenti.md:3: team 'jiaoyu-wenti': unknown lead department 'D99'; expected one of D03",
    ]


def test_bad_yaml_is_reported_once_per_file_without_follow_on_errors():
    problems = all_problems(TREES / "bad-yaml")
    assert [(_rel(p, "bad-yaml"), p.line) for p in problems] == [
        ("communities.yaml", 8), ("stories/2026-03-12-dengguang.md", 8)]
    assert all(p.message.startswith("YAML syntax error") for p in problems)


def test_duplicate_ids_and_codes():
    problems = all_problems(TREES / "duplicate-codes")
    assert _where(problems, "duplicate-codes") == [
        ("activities/2026-06.yaml", 1, "activity '2026-05-15-yangguang' is defined twice"),
        ("categories.yaml", 5, "category 'ZC' is defined twice"),
        ("posts/yangguang.yaml", 7, "post code 'YG-ZC-01' is defined twice"),
    ]
    assert problems[0].expected.endswith("duplicate-codes/activities/2026-05.yaml:1)")
    assert problems[2].expected == "each post code once (first at line 1)"


def test_bad_dates_and_times():
    problems = all_problems(TREES / "bad-dates")
    assert _where(problems, "bad-dates") == [
        ("activities/2026-05.yaml", 3, "activity '2026-05-15-yangguang': 'date' is '2026-13-01', not a date"),
        ("activities/2026-05.yaml", 14, "activity '2026-05-16-yangguang': 'start' is '25:00', not a time"),
        ("activities/2026-05.yaml", 25, "activity '2026-06-15-yangguang': ends at 14:00, not after it starts at 15:00"),
        ("activities/2026-05.yaml", 33, "activity '2019-06-15-yangguang': date 2019-06-15 is far from the programme year 2026"),
        ("stories/2026-03-12-dengguang.md", 3, "story '2026-03-12-dengguang': 'date' is '3月12日', not a date"),
    ]


def test_several_mistakes_give_one_located_message_each():
    problems = all_problems(TREES / "several-mistakes")
    assert _where(problems, "several-mistakes") == [
        ("activities/2026-05.yaml", 8, "activity '2026-05-15-yangguang': unknown occasion '国庆节'"),
        ("communities.yaml", 9, "community 'xinyuan': unknown liaison department 'D07'"),
        ("posts/yangguang.yaml", 5, "post 'YG-ZC-01': 'capacity' is 0"),
        ("posts/yangguang.yaml", 11, "post 'YG-ZC-02': unknown role '联络员'"),
        ("stories/2026-03-12-dengguang.md", 7, "story '2026-03-12-dengguang': unknown key 'draf'"),
        ("stories/2026-03-12-dengguang.md", 9, "story '2026-03-12-dengguang': member 王建华: 'consent' is missing"),
        ("teams/jiaoyu-wenti.md", 2, "team 'jiaoyu-wenti': 'summary' is missing"),
    ]
    assert all(LOCATED.match(str(p)) for p in problems)
    text = ContentErrors(problems).render().splitlines()
    assert len(text) == 8 and text[-1] == "7 errors; nothing was written."


def test_story_link_to_a_missing_page_is_located():
    loaded, problems = load(TREES / "story-bad-link")
    assert problems == [] and validate.validate(loaded) == []
    urls = {"/", "/communities/", "/communities/yangguang/"}
    broken = validate.check_story_links(loaded, urls)
    assert [(_rel(p, "story-bad-link"), p.line, p.message) for p in broken] == [
        ("stories/2026-03-12-dengguang.md", 14,
         "story '2026-03-12-dengguang': link to '/communities/nowhere/', a page that does not exist")]
    assert broken[0].expected == "a site path such as /communities/"


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
    assert [p.message for p in problems] == ["post 'YG-ZC-01': code names category 'ZC' but 'category' is 'HJ'"]
    problems = _mutated(tmp_path / "b", "posts/yangguang.yaml", "code: YG-ZC-01", "code: XY-ZC-01")
    assert "post 'XY-ZC-01': code starts with 'XY' but the file is 阳光社区's" in [p.message for p in problems]


def test_post_file_must_be_named_for_a_community(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "posts" / "yangguang.yaml").rename(root / "posts" / "sunshine.yaml")
    problems = all_problems(root)
    assert any(p.message == "file name 'sunshine.yaml' is not a community id" for p in problems)


def test_activity_needs_a_community_or_a_team(tmp_path):
    problems = _mutated(tmp_path, "activities/2026-05.yaml", "  community: yangguang\n  team: jiaoyu-wenti\n", "")
    assert [p.message for p in problems] == ["activity '2026-05-15-yangguang': neither 'community' nor 'team' is given"]


def test_site_targets_are_checked(tmp_path):
    root = copy_tree("minimal", tmp_path)
    with (root / "site.yaml").open("a", encoding="utf-8") as f:
        f.write("targets:\n  star_hours: [100, 300, 300, 1000, 1500]\n  three_star_share: 1.5\n"
                "  registration_deadline: '02-30'\n")
    loaded, problems = load(root)
    assert loaded is None
    assert [(p.line, p.message.split(":")[1].strip()) for p in problems] == [
        (8, "'star_hours' is [100, 300, 300, 1000, 1500]"), (9, "'three_star_share' is 1.5"),
        (10, "'registration_deadline' 02-30 is not a day")]


def test_too_many_key_communities_and_missing_liaison(tmp_path):
    problems = _mutated(tmp_path, "communities.yaml", "  key: false\n  liaison: [D03]", "  key: false")
    assert [p.message for p in problems] == ["community 'xinyuan': not a key community and no liaison departments"]


def test_story_member_rules(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "stories" / "named.md").write_text(
        "---\ntitle: 表彰\ndate: 2026-03-12\nsummary: 摘要。\nmembers:\n  - name: 李明\n    department: D09\n"
        "    consent: 2026-04-01\n---\n正文\n", encoding="utf-8")
    problems = all_problems(root)
    assert [p.message for p in problems] == [
        "story 'named': member 李明: consent recorded 2026-04-01, after the story is published",
        "story 'named': member 李明: unknown department 'D09'"]


def test_reserved_story_names_and_bad_tags(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "stories" / "page.md").write_text("---\ntitle: 页\ndate: 2026-03-12\nsummary: 摘要。\ntags: [a/b]\n---\n",
                                              encoding="utf-8")
    messages = [p.message for p in all_problems(root)]
    assert messages == ["story 'page': the file name 'page.md' is reserved",
                        "story 'page': tag 'a/b' cannot be part of an address"]


def test_long_lists_of_valid_values_are_shortened(tmp_path):
    root = copy_tree("minimal", tmp_path)
    extra = "".join(f"- code: D{n:02d}\n  name: 部门{n}\n  headcount: 5\n" for n in range(10, 40))
    with (root / "departments.yaml").open("a", encoding="utf-8") as f:
        f.write(extra)
    problems = _mutated_root(root, "teams/jiaoyu-wenti.md", "[D03]", "[D99]")
    assert problems[0].expected.startswith("one of D03, D10, D11") and problems[0].expected.endswith("(31 in all)")


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
        (3, "activity '2026-05-15-yangguang': the id says 2026-05-15 but 'date' is 2026-05-18"),
        (3, "activity '2026-05-15-yangguang': 党员活动日 on 2026-05-18, not a party member activity day"),
        (12, "activity '2026-05-15-yangguang': post XY-ZC-01 belongs to 'xinyuan', not 'yangguang'")]


def test_member_problems_point_at_the_members_list(tmp_path):
    root = copy_tree("unicode", tmp_path)
    path = root / "stories" / "2026-03-12-dengguang.md"
    path.write_text(path.read_text(encoding="utf-8").replace("department: D03", "department: D04"), encoding="utf-8")
    problems = all_problems(root)
    assert [(p.line, p.message) for p in problems] == [
        (8, "story '2026-03-12-dengguang': member 王建华: unknown department 'D04'")]


def test_personal_numbers_are_refused_in_public_content(tmp_path):
    root = copy_tree("minimal", tmp_path)
    _mutated_root(root, "communities.yaml", "  key: true\n", "  key: true\n  phone: '13912345678'\n")
    problems = _mutated_root(root, "stories/2026-03-12-dengguang.md", "的书屋就亮起灯。",
                             "的书屋就亮起灯，联系人身份证号61040319800101123X。")
    assert [(Path(p.path).name, p.line, p.message) for p in problems] == [
        ("communities.yaml", 5, "community 'yangguang': 'phone' holds a mobile phone number (139…)"),
        ("2026-03-12-dengguang.md", 10, "story '2026-03-12-dengguang': the text holds an ID card number (610…)"),
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
    assert [(p.line, p.message.split(": ", 1)[1]) for p in broken] == [
        (16, "link to '/nowhere.html', a page that does not exist")]
