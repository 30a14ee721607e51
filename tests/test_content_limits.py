"""Resource limits on content (issue 12, case 6): a YAML "billion laughs", deep nesting, huge stories,
symbolic links out of content/ and a `..` tag each get a located Chinese message from `check` and `build`
(subprocesses, bounded in time), never a traceback or a stall, and nothing outside content/ is read."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from content_trees import copy_tree

STORY = "content/stories/2026-03-12-dengguang.md"


def run(cwd: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "site_builder", *args, "--today", "2026-06-01"], cwd=cwd,
                            capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    result.stdout += result.stderr  # problems are printed on stderr: one text to search
    return result


def laughs(levels: int) -> str:
    text = 'lol0: &l0 ["哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈", "哈"]\n'
    for n in range(1, levels + 1):
        text += f"lol{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]\n"
    return text


def story_with_body(root: Path, body: str, name: str = "2026-04-01-deep.md") -> Path:
    path = root / "stories" / name
    path.write_text("---\ntitle: 深\ndate: 2026-04-01\nsummary: 摘要。\n---\n" + body, "utf-8")
    return path


def test_a_billion_laughs_file_is_refused_at_once(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "activities" / "laughs.yaml").write_text(laughs(9), "utf-8")  # 9^10 values if expanded
    started = time.monotonic()
    result = run(tmp_path, "check", timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert "content/activities/laughs.yaml:6：锚点引用（*l4）展开后超过 100,000 个值；应为不用锚点和引用" in result.stdout


def test_a_few_anchors_are_still_fine(tmp_path):
    from site_builder import yamlload

    data, problems = yamlload.parse("a: &a [1, 2]\nb: [*a, *a]\n", "x.yaml")
    assert problems == [] and data["b"] == [[1, 2], [1, 2]]


@pytest.mark.parametrize("text, line", [("a: " + "[" * 100_000 + "]" * 100_000 + "\n", 1),
                                         ("".join(" " * (2 * n) + "-\n" for n in range(400)), 65)])
def test_deeply_nested_yaml_gets_a_located_message(tmp_path, text, line):
    root = copy_tree("minimal", tmp_path)
    (root / "activities" / "deep.yaml").write_text(text, "utf-8")
    result = run(tmp_path, "check")
    assert result.returncode == 1
    assert f"content/activities/deep.yaml:{line}：嵌套超过 64 层；应为层次不超过 64 的 YAML" in result.stdout


@pytest.mark.parametrize("body, message", [
    ("".join("  " * n + "- 一项\n" for n in range(400)), "缩进超过 64 列（列表或代码嵌套过深）"),
    ('<div markdown="1">\n' * 3000 + "文字\n" + "</div>\n" * 3000, "HTML 标签嵌套超过 32 层"),
    ("> " * 400 + "引用\n", "引用（>）嵌套超过 16 层"),
])
def test_deeply_nested_markdown_gets_a_located_message(tmp_path, body, message):
    root = copy_tree("minimal", tmp_path)
    story_with_body(root, body)
    for command in ("check", "build"):
        result = run(tmp_path, command)
        assert result.returncode == 1
        assert "content/stories/2026-04-01-deep.md:" in result.stdout and message in result.stdout
    assert not (tmp_path / "build" / "site").exists()


def test_a_huge_story_is_refused_with_its_size(tmp_path):
    root = copy_tree("minimal", tmp_path)
    story_with_body(root, "很长的故事。" * 300_000)  # 5.4 MB
    started = time.monotonic()
    result = run(tmp_path, "check")
    assert time.monotonic() - started < 30
    assert result.returncode == 1
    assert "content/stories/2026-04-01-deep.md：文件过大（5.1 MB），超过 512 KB 上限；应为不超过 512 KB 的 Markdown 文件" in result.stdout


def test_symbolic_links_out_of_content_are_refused_and_never_read(tmp_path):
    root = copy_tree("minimal", tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    secret = outside / "2026-05-01-secret.md"
    secret.write_text("---\ntitle: 外面的故事\ndate: 2026-05-01\nsummary: 不该发布。\n---\n外面的秘密正文\n", "utf-8")
    (root / "stories" / "2026-05-01-secret.md").symlink_to(secret)
    (root / "activities" / "passwd.yaml").symlink_to("/etc/passwd")
    inside = root / "stories" / "2026-05-02-alias.md"
    inside.symlink_to(root / "stories" / "2026-03-12-dengguang.md")  # a link that stays inside is fine
    result = run(tmp_path, "build")
    assert result.returncode == 1
    assert "content/stories/2026-05-01-secret.md：是指向内容文件夹之外的符号链接，为安全起见未读取" in result.stdout
    assert "content/activities/passwd.yaml：是指向内容文件夹之外的符号链接" in result.stdout
    assert "root:" not in result.stdout and "alias" not in result.stdout
    os.unlink(root / "activities" / "passwd.yaml")
    os.unlink(root / "stories" / "2026-05-01-secret.md")
    assert run(tmp_path, "build").returncode == 0
    built = "".join(p.read_text("utf-8", "replace") for p in (tmp_path / "build" / "site").rglob("*.html"))
    assert "外面的秘密正文" not in built and (tmp_path / "build" / "site" / "stories" / "2026-05-02-alias").is_dir()


def test_a_tag_of_dots_is_refused_by_check_at_its_file(tmp_path):
    root = copy_tree("minimal", tmp_path)
    path = root / "stories" / "2026-03-12-dengguang.md"
    path.write_text(path.read_text("utf-8").replace("tags: [五点半课堂]", "tags: [五点半课堂, '..']"), "utf-8")
    for command in ("check", "build"):
        result = run(tmp_path, command)
        assert result.returncode == 1
        assert f"{STORY}:7：典型案例 2026-03-12-dengguang：标签 “..” 不能用作网址的一部分" in result.stdout
