"""On the sample content: one YAML syntax error is one message for its file (no follow-on errors about
what the file would have defined), and a problem in site.yaml hides no other file's problems."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from site_builder import build, cli
from site_builder.errors import ContentErrors

ROOT = Path(__file__).resolve().parent.parent
SYNTAX = "YAML 语法错误"


@pytest.fixture
def content(tmp_path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(ROOT / "content", target)
    return target


def problems(content: Path) -> list[str]:
    with pytest.raises(ContentErrors) as raised:
        build.render_site(build.Options(content_dir=content, today=dt.date(2026, 11, 28),
                                        ledger=content.parent / "none.sqlite"))
    return [str(p).split("content/", 1)[1] for p in raised.value.problems]


def break_yaml(path: Path, line: int = 3) -> None:
    """A typo on one line: `code: YG : x` (a colon where YAML cannot have one)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[line - 1] += " : x: y"
    path.write_text("\n".join(lines), encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("name", ["posts/yangguang.yaml", "teams/jiaoyu-wenti.md", "communities.yaml",
                                  "activities/2026-05.yaml", "categories.yaml", "departments.yaml"])
def test_one_yaml_syntax_error_is_one_message(content, name):
    # before: posts/yangguang.yaml gave 33 messages (each activity naming one of its posts), a team file 24
    break_yaml(content / name)
    found = problems(content)
    assert len(found) == 1, found
    assert found[0].startswith(f"{name}:3：{SYNTAX}")


def test_links_to_pages_an_unreadable_file_would_make_are_not_reported(content):
    stories = content / "stories"
    edit(stories / "2026-03-wudianban-ketang.md", "\n\n", "\n\n见[敬老](/stories/2026-10-chongyang/)、"
         "[活动](/activities/2026-05-15-yangguang/)和[队伍](/teams/jiaoyu-wenti/)。\n\n")
    break_yaml(stories / "2026-10-chongyang.md", 2)
    break_yaml(content / "activities" / "2026-05.yaml")
    break_yaml(content / "teams" / "jiaoyu-wenti.md")
    found = problems(content)
    assert sorted(p.split("：", 1)[0] for p in found) == [
        "activities/2026-05.yaml:3", "stories/2026-10-chongyang.md:2", "teams/jiaoyu-wenti.md:3"]
    assert all(SYNTAX in p for p in found)


def test_real_mistakes_are_still_reported_beside_an_unreadable_file(content):
    break_yaml(content / "teams" / "jiaoyu-wenti.md")
    edit(content / "activities" / "2026-06.yaml", "team: jiuye-chuangye", "team: jiuye-chuangyr")
    found = problems(content)
    assert len(found) == 2
    assert any("志愿服务队 “jiuye-chuangyr” 不存在" in p and "（你是不是想写 “jiuye-chuangye”？）" in p for p in found)


def test_a_problem_in_site_yaml_hides_no_other_problem(content, capsys):
    edit(content / "site.yaml", "year: 2026", "year: 二〇二六")
    edit(content / "posts" / "yangguang.yaml", "capacity: 3", "capacity: 0")
    edit(content / "stories" / "2026-03-wudianban-ketang.md", "team: jiaoyu-wenti", "team: jiaoyu-wenty")
    assert cli.main(["check", "--content", str(content)]) == 1
    said = capsys.readouterr()
    lines = [line.split("content/", 1)[1] for line in said.err.splitlines() if "content/" in line]
    assert [line.split("：", 1)[0].split(":")[0] for line in lines] == [
        "posts/yangguang.yaml", "site.yaml", "stories/2026-03-wudianban-ketang.md"]
    assert "共 3 处问题" in said.err and "Traceback" not in said.err
    # checks that need site.yaml's values (activity days, the programme year) are left out, not guessed
    assert not any("党员活动日" in line or "活动年度" in line for line in lines)


def test_a_yaml_syntax_error_in_site_yaml_hides_no_other_problem(content):
    break_yaml(content / "site.yaml")
    edit(content / "posts" / "yangguang.yaml", "capacity: 3", "capacity: 0")
    found = problems(content)
    assert [p.split("：", 1)[0] for p in found] == ["posts/yangguang.yaml:6", "site.yaml:3"]
