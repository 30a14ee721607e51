"""`site-builder new story "标题"`: a draft that loads cleanly, a stable ASCII name, never overwrites."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from content_trees import all_problems, copy_tree, load
from site_builder.errors import SiteBuilderError, UsageError
from site_builder.scaffold import SUMMARY_PLACEHOLDER, new_story, story_slug

DAY = dt.date(2026, 5, 20)


def test_slug_is_the_date_and_a_stable_hash_of_the_title():
    assert story_slug("五点半课堂里的灯光", DAY) == story_slug(" 五点半课堂里的灯光 ", DAY)
    assert story_slug("五点半课堂里的灯光", DAY) != story_slug("周末门诊", DAY)
    assert story_slug("周末门诊", DAY).startswith("2026-05-20-") and story_slug("周末门诊", DAY).isascii()
    assert story_slug("周末门诊", DAY, "zhoumo-menzhen") == "2026-05-20-zhoumo-menzhen"
    with pytest.raises(UsageError):
        story_slug("周末门诊", DAY, "周末")


def test_new_story_is_a_draft_that_loads_without_problems(tmp_path):
    root = copy_tree("minimal", tmp_path)
    path = new_story(root, '灯光："五点半"课堂', DAY)
    assert path.parent == root / "stories" and path.name.startswith("2026-05-20-")
    assert all_problems(root, drafts=True) == []
    published, _ = load(root)
    assert path.stem not in published.stories  # a draft is left out of a normal build
    story = load(root, drafts=True)[0].stories[path.stem]
    assert (story.title, story.date, story.summary, story.draft, story.tags) == (
        '灯光："五点半"课堂', DAY, SUMMARY_PLACEHOLDER, True, ())


def test_new_story_never_overwrites(tmp_path):
    root = copy_tree("minimal", tmp_path)
    path = new_story(root, "周末门诊", DAY)
    path.write_text("edited", encoding="utf-8")
    with pytest.raises(SiteBuilderError, match="文件已存在"):
        new_story(root, "周末门诊", DAY)
    assert path.read_text(encoding="utf-8") == "edited"


def test_new_story_needs_a_content_folder_and_a_title(tmp_path):
    with pytest.raises(UsageError, match="不是内容文件夹"):
        new_story(tmp_path, "周末门诊", DAY)
    root = copy_tree("minimal", tmp_path)
    with pytest.raises(UsageError, match="标题为空"):
        new_story(root, "  ", DAY)


def _cli(cwd, *args):
    return subprocess.run([sys.executable, "-m", "site_builder", "new", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=60)


def test_command_prints_the_path_and_refuses_a_second_time(tmp_path):
    copy_tree("minimal", tmp_path)
    first = _cli(tmp_path, "story", "三官一律进社区", "--slug", "sanguan", "--today", "2026-05-20")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "content/stories/2026-05-20-sanguan.md"
    assert (tmp_path / "content/stories/2026-05-20-sanguan.md").is_file()
    again = _cli(tmp_path, "story", "三官一律进社区", "--slug", "sanguan", "--today", "2026-05-20")
    assert again.returncode == 1 and "Traceback" not in again.stderr
    assert again.stderr.startswith("content/stories/2026-05-20-sanguan.md：文件已存在")


def test_command_uses_content_option_and_has_help(tmp_path):
    copy_tree("minimal", tmp_path / "site")
    made = _cli(tmp_path, "story", "周末门诊", "--content", "site/content", "--today", "2026-05-20")
    assert made.returncode == 0 and made.stdout.strip().startswith("site/content/stories/2026-05-20-")
    helped = _cli(tmp_path, "--help")
    assert helped.returncode == 0 and "--slug" in helped.stdout and "--content" in helped.stdout


def test_publishing_a_scaffold_without_writing_a_summary_is_refused(tmp_path):
    root = copy_tree("minimal", tmp_path)
    path = new_story(root, "周末门诊", DAY)
    path.write_text(path.read_text(encoding="utf-8").replace("draft: true", "draft: false"), encoding="utf-8")
    problems = all_problems(root)
    assert [(p.line, p.message) for p in problems] == [
        (4, f"典型案例 {path.stem}：摘要（summary）还是 `site-builder new story` 生成的占位文字")]
