"""yamlload: line numbers, YAML 1.1 quirks, syntax errors as located problems."""

from __future__ import annotations

import datetime as dt

import yaml

from site_builder import yamlload
from site_builder.yamlload import LineDict, LineList, parse


def test_uses_libyaml_when_available():
    if hasattr(yaml, "CSafeLoader"):
        assert issubclass(yamlload._Loader, yaml.CSafeLoader)


def test_mappings_and_lists_remember_lines():
    data, problems = parse("# comment\nposts:\n  - code: YG-ZC-01\n    capacity: 3\n  - code: YG-ZC-02\n", "p.yaml")
    assert problems == []
    assert isinstance(data, LineDict) and data.line == 2 and data.line_of("posts") == 2
    posts = data["posts"]
    assert isinstance(posts, LineList) and posts.item_lines == [3, 5]
    assert posts[0].line == 3 and posts[0].line_of("capacity") == 4
    assert posts[1].line_of("missing") == 5  # an absent key points at its mapping


def test_line_offset_counts_lines_before_the_text():
    data, _ = parse("title: x\ndate: 2026-03-12\n", "s.md", line_offset=1)
    assert data.line_of("date") == 3


def test_times_are_strings_not_base_60_numbers():
    data, _ = parse("start: 14:30\nend: 09:00\nn: 12\nx: 1.5\n", "a.yaml")
    assert data == {"start": "14:30", "end": "09:00", "n": 12, "x": 1.5}


def test_dates_become_dates_and_impossible_dates_stay_text():
    data, problems = parse("good: 2026-05-15\nbad: 2026-13-01\n", "a.yaml")
    assert problems == []
    assert data["good"] == dt.date(2026, 5, 15)
    assert data["bad"] == "2026-13-01"


def test_syntax_error_is_a_problem_at_its_line():
    data, problems = parse("a: 1\nb: [1, 2\nc: 3\n", "content/site.yaml")
    assert data is None and len(problems) == 1
    problem = problems[0]
    assert problem.path == "content/site.yaml" and problem.line == 3
    assert str(problem).startswith("content/site.yaml:3：YAML 语法错误：方括号 [ ] 没有闭合")
    assert "；应为格式正确的 YAML" in str(problem)


def test_a_key_given_twice_is_reported():
    _, problems = parse("- id: a\n  name: x\n  name: y\n", "c.yaml")
    assert [(p.line, p.message) for p in problems] == [(3, "同一组字段里 “name” 出现了两次")]


def test_unreadable_file(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_bytes(b"name: \xff\xfe\n")
    data, problems = yamlload.load(path, "x.yaml")
    assert data is None and str(problems[0]) == "x.yaml：不是 UTF-8 编码的文本；应为 UTF-8 编码的文件"


def test_merge_keys_may_be_overridden_without_a_duplicate_problem():
    data, problems = parse("base: &b\n  place: 中心\n  occasion: 其他\nx:\n  <<: *b\n  place: 广场\n", "a.yaml")
    assert problems == []
    assert data["x"] == {"place": "广场", "occasion": "其他"} and data["x"].line_of("place") == 6


def test_only_text_that_cannot_nest_deep_or_expand_skips_the_limit_pass():
    front = "title: 社区志愿服务纪实\ndate: 2026-05-01\ntags: [五点半课堂, 结对帮扶]\n"
    assert yamlload._plainly_bounded(front)
    assert not yamlload._plainly_bounded("a: &x [1]\nb: *x\n")  # anchors and aliases: always counted
    deep_flow = "a: " + "[" * 70 + "]" * 70 + "\n"
    deep_block = "- " * 70 + "x\n"
    for text in (deep_flow, deep_block):
        assert not yamlload._plainly_bounded(text)
        data, problems = parse(text, "deep.yaml")
        assert data is None and "嵌套超过" in problems[0].message
