"""stories.py: front matter, sanitised Markdown, sized local images, base-path-aware links."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from content_trees import TREES, copy_tree, load


def _write(root: Path, body: str, front: str = "title: 标题\ndate: 2026-04-01\nsummary: 摘要。") -> Path:
    path = root / "stories" / "test-story.md"
    path.write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8")
    return path


def _story_and_problems(tmp_path: Path, body: str, base_url: str | None = None, **front):
    root = copy_tree("minimal", tmp_path)
    _write(root, body)
    loaded, problems = load(root, base_url=base_url)
    story = loaded.stories.get("test-story")
    return (replace(story, body_html=loaded.body(story)) if story else None), problems  # with its body


def test_raw_html_is_sanitised(tmp_path):
    story, problems = _story_and_problems(tmp_path, '<script>alert(1)</script>\n\n<p onclick="x()">点<b>我</b></p>\n\n'
                                          '[链接](javascript:alert(1)) <style>p{}</style><iframe src="https://x"></iframe>')
    assert problems == []
    html = story.body_html
    for banned in ("<script", "alert", "onclick", "javascript:", "<style", "<iframe"):
        assert banned not in html
    assert "<b>我</b>" in html


def test_local_images_get_size_lazy_loading_and_a_site_path(tmp_path):
    story, problems = _story_and_problems(tmp_path, "![图](images/cover.png)\n\n<img src=\"images/cover.png\">")
    assert problems == []
    assert story.body_html.count('src="/stories/images/cover.png" loading="lazy" width="8" height="6"') == 2


def test_links_and_images_are_prefixed_with_the_base_path(tmp_path):
    story, _ = _story_and_problems(tmp_path, "见[社区](/communities/yangguang/)与[外站](https://example.org/)。\n\n"
                                   "![图](images/cover.png)", base_url="https://host.test/sansong/")
    assert '<a href="/sansong/communities/yangguang/">' in story.body_html
    assert 'src="/sansong/stories/images/cover.png"' in story.body_html
    assert 'href="https://example.org/"' in story.body_html
    assert story.links == (("/communities/yangguang/", 6),)  # links stay site paths, with their file line


def test_internal_links_are_collected_with_their_lines(tmp_path):
    story, _ = _story_and_problems(tmp_path, "第一段。\n\n[甲](/teams/)\n\n<a href=\"/posts/\">乙</a>\n\n"
                                   "[丙][ref]\n\n[ref]: /activities/\n\n[页内](#top)")
    assert story.links == (("/teams/", 8), ("/posts/", 10), ("/activities/", 14))


def test_image_problems_are_located(tmp_path):
    _, problems = _story_and_problems(tmp_path, "正文\n\n![缺](images/missing.png)\n\n![外](https://x.test/a.png)\n\n"
                                      "![远](../site.yaml)")
    lines = {p.line: p.message for p in problems}
    assert "找不到" in lines[8] and "在其他网站上" in lines[10] and "不可用" in lines[12]
    assert all(lines[n].startswith("图片 “") for n in (8, 10, 12))
    assert all(p.path.endswith("stories/test-story.md") for p in problems)


def test_a_file_that_is_not_an_image_is_reported(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "stories" / "images" / "fake.png").write_text("not a picture")
    _write(root, "![假](images/fake.png)")
    _, problems = load(root)
    assert [p.message for p in problems] == ["图片 “images/fake.png” 不是可读取的图片"]


def test_front_matter_must_open_and_close(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "stories" / "no-front.md").write_text("# 标题\n正文\n", encoding="utf-8")
    (root / "stories" / "unclosed.md").write_text("---\ntitle: 标题\n正文\n", encoding="utf-8")
    _, problems = load(root)
    assert sorted((Path(p.path).name, p.line, p.message) for p in problems) == [
        ("no-front.md", 1, "缺少文件头（front matter）"), ("unclosed.md", 1, "文件头（front matter）没有结束")]


def test_front_matter_lines_match_the_file(tmp_path):
    root = copy_tree("minimal", tmp_path)
    _write(root, "正文", front="title: 标题\ndate: 2026-04-01\nsummary: 摘要。\ntags: 教育\ndraft: 不是")
    _, problems = load(root)
    assert [(p.line, p.message) for p in problems] == [(6, "典型案例 test-story：字段 draft 的值为 “不是”")]
    assert problems[0].expected == "true 或 false"


def test_percent_encoded_and_chinese_image_names_resolve():
    loaded, problems = load(TREES / "unicode")
    assert problems == []
    html = loaded.body(loaded.stories["2026-03-12-dengguang"])
    assert html.count('src="/stories/images/%E5%B0%81%E9%9D%A2%20%E5%9B%BE.png"') == 2
    assert '<a href="/stories/tag/五点半课堂/">' in html


def test_story_file_name_must_be_a_slug(tmp_path):
    root = copy_tree("minimal", tmp_path)
    (root / "stories" / "灯光.md").write_text("---\ntitle: 标题\ndate: 2026-04-01\nsummary: 摘要。\n---\n", encoding="utf-8")
    _, problems = load(root)
    assert [p.message for p in problems] == [
        "典型案例 灯光：文件名 “灯光.md” 不合要求（文件名会成为这篇案例的网址）"]


def test_windows_line_endings(tmp_path):
    root = copy_tree("minimal", tmp_path)
    text = "---\r\ntitle: 标题\r\ndate: 2026-04-01\r\nsummary: 摘要。\r\ndraft: maybe\r\n---\r\n第一段\r\n\r\n[甲](/teams/)\r\n"
    (root / "stories" / "crlf.md").write_bytes(text.encode("utf-8"))
    loaded, problems = load(root, drafts=True)
    assert [(p.line, p.message) for p in problems] == [(5, "典型案例 crlf：字段 draft 的值为 “maybe”")]
    assert loaded.stories["crlf"].links == (("/teams/", 9),)
    assert "\r" not in loaded.body(loaded.stories["crlf"])


def test_line_breaks_between_chinese_characters_leave_no_space(tmp_path):
    story, _ = _story_and_problems(tmp_path, "每到下午五点半，\n书屋就亮起灯。\nEnglish\nwords stay apart.\n\n"
                                   "```\n代码\n保留\n```")
    assert "<p>每到下午五点半，书屋就亮起灯。\nEnglish\nwords stay apart.</p>" in story.body_html
    assert "代码\n保留" in story.body_html
