"""fields.Fields: typed readers that report located problems and never raise."""

from __future__ import annotations

import datetime as dt

from content_trees import copy_tree, load
from site_builder.fields import Fields, shorten
from site_builder.yamlload import parse


def _fields(text: str):
    data, problems = parse(text, "x.yaml")
    assert problems == []
    problems = []
    return Fields(data, "x.yaml", "岗位 A", problems), problems


def test_readers_return_typed_values():
    f, problems = _fields("t: 政策\nn: 3\nx: 2.5\nb: true\nd: 2026-05-15\ns: '2026-05-16'\nh: '9:05'\n"
                          "l: [a, b]\none: a\ni: [1, 2]\nnum: 12\n")
    assert f.text("t") == "政策" and f.integer("n") == 3 and f.number("x") == 2.5 and f.flag("b") is True
    assert f.date("d") == dt.date(2026, 5, 15) and f.date("s") == dt.date(2026, 5, 16)
    assert f.time("h") == dt.time(9, 5)
    assert f.texts("l") == ("a", "b") and f.texts("one") == ("a",) and f.integer_list("i") == [1, 2]
    assert f.text("num") == "12"
    f.finish()
    assert problems == []


def test_wrong_types_are_reported_at_their_line_with_what_was_expected():
    f, problems = _fields("n: 三\nb: 是\nd: 2026/05/15\nh: 9点\nc: 0\nl: {a: 1}\n")
    f.integer("n"), f.flag("b"), f.date("d"), f.time("h"), f.integer("c", minimum=1), f.texts("l")
    assert [str(p) for p in problems] == [
        "x.yaml:1：岗位 A：字段 n 的值为 “三”；应为整数",
        "x.yaml:2：岗位 A：字段 b 的值为 “是”；应为 true 或 false",
        "x.yaml:3：岗位 A：字段 d 的值为 “2026/05/15”，不是日期；应为日期，格式 YYYY-MM-DD",
        "x.yaml:4：岗位 A：字段 h 的值为 “9点”，不是时间；应为时间，格式 \"HH:MM\"（24 小时制，加引号）",
        "x.yaml:5：岗位 A：字段 c 的值为 0；应为不小于 1 的整数",
        "x.yaml:6：岗位 A：字段 l 的值为一组字段；应为列表，例如 [a, b]",
    ]


def test_missing_empty_and_unknown_keys():
    f, problems = _fields("\n\ntitle:\ncapacty: 3\n")
    f.text("title", required=True), f.integer("capacity", required=True), f.finish()
    assert [(p.line, p.message) for p in problems] == [
        (3, "岗位 A：字段 title 为空"), (3, "岗位 A：缺少字段 capacity"),
        (4, "岗位 A：未知字段 “capacty”")]
    assert problems[2].expected == "capacity、title 之一（你是不是想写 “capacity”？）"


def test_shorten_long_lists():
    assert shorten(["a", "b"]) == "a、b"
    assert shorten([str(n) for n in range(20)], 3) == "0、1、2、…（共 20 个）"
    assert shorten([]) == "（尚未定义任何值）"


def test_team_problems(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "teams" / "Bad_Name.md").write_text("---\nname: 队\nlead_departments: [D03]\nsummary: 一句话。\n---\n",
                                                 encoding="utf-8")
    _, problems = load(root)
    assert [(p.line, p.message) for p in problems] == [
        (2, "志愿服务队 Bad_Name：文件名 “Bad_Name.md” 不合要求"),
        (2, "志愿服务队 Bad_Name：缺少字段 services")]
