"""Scaffolds new content files (`site-builder new story "标题"`).

A new story is a draft whose file name is `<date>-<slug>.md`; the slug is `--slug` or, by default,
a short stable hash of the title, so Chinese titles still give ASCII addresses.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from site_builder.errors import SiteBuilderError, UsageError, rel
from site_builder.fields import SLUG

SUMMARY_PLACEHOLDER = "请在这里用一两句话概括这个故事，它会显示在故事列表和分享卡片上。"

STORY_TEMPLATE = """---
title: {title}
date: {date}
summary: {summary}
# community: yangguang        # 可选：社区 id，见 content/communities.yaml
# team: jiaoyu-wenti          # 可选：志愿服务队 id，见 content/teams/
tags: []
# cover: images/封面.jpg       # 可选：封面图片，放在 content/stories/images/ 下
draft: true                   # 写完并核对后改为 false 才会发布
# publish_date: {date}    # 可选：定时发布的日期
# members:                    # 可选：只有本人书面同意后才能写出姓名
#   - name: 姓名
#     department: D03
#     consent: {date}
#     deeds: 主要事迹
---

在这里用 Markdown 写正文。站内链接写成网站路径，例如 `[阳光社区](/communities/yangguang/)`；
图片放在 content/stories/images/ 下，写作 `![说明](images/图片.jpg)`。
"""


def story_slug(title: str, today: dt.date, slug: str | None = None) -> str:
    """`<date>-<slug>`: the given slug, or six hex digits of the title's SHA-1."""
    if slug is None:
        slug = hashlib.sha1(title.strip().encode("utf-8")).hexdigest()[:6]
    elif not SLUG.match(slug):
        raise UsageError(f"--slug {slug}：不能用作文件名；应为小写英文字母、数字和连字符（-）")
    return f"{today.isoformat()}-{slug}"


def new_story(content_dir: Path, title: str, today: dt.date, slug: str | None = None) -> Path:
    """Write content/stories/<date>-<slug>.md as a draft and return its path; never overwrites."""
    if not title.strip():
        raise UsageError("new story：标题为空；应为一个标题，例如 “五点半课堂里的灯光”")
    if not (content_dir / "site.yaml").is_file():
        raise UsageError(f"{content_dir}：不是内容文件夹；应为含有 site.yaml 的文件夹（见 --content）")
    path = content_dir / "stories" / f"{story_slug(title, today, slug)}.md"
    if path.exists():
        raise SiteBuilderError(f"{rel(path)}：文件已存在，没有覆盖；应为换一个标题，或用 --slug 另起文件名")
    text = STORY_TEMPLATE.format(title=_quoted(title.strip()), date=today.isoformat(), summary=_quoted(SUMMARY_PLACEHOLDER))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8") as file:
        file.write(text)
    return path


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)
