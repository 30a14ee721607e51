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
    return Fields(data, "x.yaml", "post 'A'", problems), problems


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
        "x.yaml:1: post 'A': 'n' is '三'; expected a whole number",
        "x.yaml:2: post 'A': 'b' is '是'; expected true or false",
        "x.yaml:3: post 'A': 'd' is '2026/05/15', not a date; expected a date YYYY-MM-DD",
        "x.yaml:4: post 'A': 'h' is '9点', not a time; expected a time \"HH:MM\" (24-hour, quoted)",
        "x.yaml:5: post 'A': 'c' is 0; expected a whole number ≥ 1",
        "x.yaml:6: post 'A': 'l' is a mapping; expected a list such as [a, b]",
    ]


def test_missing_empty_and_unknown_keys():
    f, problems = _fields("\n\ntitle:\ncapacty: 3\n")
    f.text("title", required=True), f.integer("capacity", required=True), f.finish()
    assert [(p.line, p.message) for p in problems] == [
        (3, "post 'A': 'title' is empty"), (3, "post 'A': 'capacity' is missing"),
        (4, "post 'A': unknown key 'capacty'")]
    assert problems[2].expected == "one of capacity, title (did you mean 'capacity'?)"


def test_shorten_long_lists():
    assert shorten(["a", "b"]) == "a, b"
    assert shorten([str(n) for n in range(20)], 3) == "0, 1, 2, … (20 in all)"
    assert shorten([]) == "(none defined)"


def test_team_problems(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "teams" / "Bad_Name.md").write_text("---\nname: 队\nlead_departments: [D03]\nsummary: 一句话。\n---\n",
                                                 encoding="utf-8")
    _, problems = load(root)
    assert [(p.line, p.message) for p in problems] == [
        (2, "team 'Bad_Name': file name 'Bad_Name.md' is not a slug"),
        (2, "team 'Bad_Name': 'services' is missing")]
