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


def _same(fast, full) -> bool:
    """Equal values of the same types, with the same lines (what parse()'s callers read)."""
    if type(fast) is not type(full):
        return False
    if isinstance(fast, LineDict):
        return (fast.line == full.line and fast.key_lines == full.key_lines and list(fast) == list(full)
                and fast.duplicate_keys == full.duplicate_keys and all(_same(fast[k], full[k]) for k in fast))
    if isinstance(fast, LineList):
        return (fast.line == full.line and fast.item_lines == full.item_lines and len(fast) == len(full)
                and all(_same(a, b) for a, b in zip(fast, full)))
    return fast == full


def test_plain_front_matter_is_read_without_the_parser():
    front = ("title: 一把轮椅和一张救助申请表\ndate: 2026-02-24\nsummary: 老人瘫痪在床多年，党员干部帮他们申请到了轮椅。\n"
             "community: wenxin\ntags: [结对帮扶, 扶贫帮困]\nweight: 3")
    fast = yamlload._simple(front, 1)
    assert fast is not None and fast["date"] == dt.date(2026, 2, 24) and fast["tags"].line == 6
    data, problems = yamlload._parsed(front, "s.md", 1)
    assert problems == [] and _same(fast, data)
    assert parse(front, "s.md", 1)[0] is not None


HANDPICKED = [
    "a: b", "a: 14:30", "a: 1", "a: -1", "a: +1", "a: 007", "a: 0x1F", "a: 1_000", "a: 1.5", "a: .inf", "a: ~",
    "a: null", "a: yes", "a: On", "on: x", "Yes: x", "y: n", "a: 2026-05-15", "a: 2026-13-01", "a: 0000-01-01",
    "a: 2026-05-15 10:00", "a: 2026-5-15", "a: x # c", "a: x#c", "a: x:", "a: x: y", "a: x:y", "a:  x", "a: x ",
    "a: 'x'", 'a: "x"', "a: [x, y]", "a: []", "a: [ ]", "a: [x,]", "a: [x, [y]]", "a: [x] y", "a: [a:b]", "a: [a?]",
    "a: [x #y]", "a: [, x]", "a: [1, 2026-05-15, on]", "a: {x: 1}", "a: &x y", "a: *x", "a: !x y", "a: |", "a: >",
    "a: %x", "a: @x", "a: `x", "a: -x", "a: ?x", "a: x?", "a: b\na: c", "a: b\n\nc: d", "a: b\n  c", "a: b\n",
    "a: \u00a0x", "a: x\u3000y", "a: x\u2028y", "a: x\x85y", "a: 全角：冒号，逗号", "<<: x", "=: x", "a b: c", "_a: 1",
    "a: -", "a: .", "a: 1e3", "a: 1.0e+3", "a: ..", "a: 0", "a: -0", "a: 08", "a: 1:2:3", "a: =",
]


def test_the_plain_reading_gives_exactly_what_the_parser_gives():
    import random

    pieces = ["a", "中", " ", ":", "#", "-", "[", "]", ",", "'", '"', "{", "}", "?", "&", "*", "!", "|", ">", "%",
              "@", "`", "0", "1", "9", ".", "_", "~", "=", "<", "+", "e", "x", "\u00a0", "，", "：", "2026-05-15",
              "true", "null", "on", "14:30", "0x1F", "1_000", "1.5", ".inf", "2026-13-01", " #", ": "]
    pieces += ["社区", "a", "b", "7", "志愿"] * 12  # most values plain, so that many reach the comparison
    keys = ["title", "on", "null", "x_1", "y", "Yes", "a b", "date", "tags"]
    rng = random.Random(8)
    texts = list(HANDPICKED)
    for _ in range(4000):
        lines = []
        for _ in range(rng.randint(1, 4)):
            value = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 5)))
            if rng.random() < 0.3:
                value = "[" + ", ".join("".join(rng.choice(pieces) for _ in range(rng.randint(1, 3)))
                                        for _ in range(rng.randint(0, 3))) + "]"
            lines.append(f"{rng.choice(keys)}: {value}")
        texts.append("\n".join(lines))
    fast_ones = 0
    for text in texts:
        fast = yamlload._simple(text, 1)
        if fast is None:
            continue
        fast_ones += 1
        full, problems = yamlload._parsed(text, "x.md", 1)
        assert problems == [] and _same(fast, full), text
    assert fast_ones > 500  # the comparison covered many texts, not a few
