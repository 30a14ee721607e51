"""`site-builder check` and `build` on broken content: located messages, a count, exit 1, no traceback,
nothing written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from content_trees import copy_tree

LOCATED = re.compile(r"^content/[^:：]+:\d+：.+；应为.+$")


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "site_builder", *args, "--today", "2026-06-01"], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def files_under(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*")}


@pytest.mark.parametrize("tree, count", [("several-mistakes", 7), ("broken-refs", 6), ("bad-yaml", 2),
                                          ("duplicate-codes", 3), ("bad-dates", 5), ("story-bad-link", 1)])
def test_check_lists_every_problem_and_writes_nothing(tmp_path, tree, count):
    copy_tree(tree, tmp_path)
    before = files_under(tmp_path)
    result = run(tmp_path, "check")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"共 {count} 处问题，未写入任何文件。"
    assert len(lines) == count + 1 and all(LOCATED.match(line) for line in lines[:-1]), lines
    assert files_under(tmp_path) == before


def test_build_refuses_to_write_a_broken_site(tmp_path):
    copy_tree("several-mistakes", tmp_path)
    result = run(tmp_path, "build", "--out", "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().endswith("共 7 处问题，未写入任何文件。")
    assert not (tmp_path / "out").exists() and not (tmp_path / "build").exists()


def test_build_keeps_an_existing_site_when_the_new_one_is_broken(tmp_path):
    root = copy_tree("minimal", tmp_path)
    assert run(tmp_path, "build", "--out", "out").returncode == 0
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    (root / "communities.yaml").write_text("- id: [broken\n", encoding="utf-8")
    result = run(tmp_path, "build", "--out", "out")
    assert result.returncode == 1 and "content/communities.yaml:1：YAML 语法错误" in result.stderr
    assert {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()} == before


def test_check_passes_on_the_minimal_tree(tmp_path):
    copy_tree("minimal", tmp_path)
    before = files_under(tmp_path)
    result = run(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("内容检查通过")
    assert files_under(tmp_path) == before


def test_missing_content_folder_is_a_usage_error(tmp_path):
    result = run(tmp_path, "check", "--content", "nowhere")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("nowhere：找不到内容文件夹；应为")
