"""Markdown files with front matter (stories, team pages) and their conversion to safe HTML.

    ---            front matter: YAML, lines numbered as in the file
    title: …
    ---
    Markdown body  python-markdown (extra, sane_lists), raw HTML sanitised with nh3

After sanitising, every local <img> is resolved against the story's folder, must be a file under
content/stories/, and gets width, height (read with Pillow, capped as published), `srcset` and `sizes`
(the widths images.py publishes) and loading="lazy"; its src becomes the base-path-prefixed output path
(the same path under the site as under content/). Links written as site
paths (`/communities/yangguang/`) are prefixed with the base path and collected with their line, so
validation can report a link to a page that does not exist.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote, urlsplit

import nh3

from site_builder.errors import Problem, rel
from site_builder.images import SIZES, upright_size
from site_builder.model import Image
from site_builder.yamlload import LineDict, parse

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".gif", ".webp")

# Attributes kept on top of nh3's defaults: lazy images, titles, footnote and heading anchors.
_EXTRA_ATTRIBUTES = {
    "img": {"loading", "title"}, "a": {"title"}, "sup": {"id"}, "li": {"id"},
    **{f"h{n}": {"id"} for n in range(1, 7)},
}
ATTRIBUTES = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
for _tag_name, _names in _EXTRA_ATTRIBUTES.items():
    ATTRIBUTES.setdefault(_tag_name, set()).update(_names)
URL_SCHEMES = {"http", "https", "mailto", "tel"}


@functools.cache
def _cleaner() -> nh3.Cleaner:
    """One sanitiser per process: nh3.clean() would build its rules anew for every body (3x the time)."""
    return nh3.Cleaner(attributes=ATTRIBUTES, url_schemes=URL_SCHEMES)


_TAG = re.compile(r"<(img|a)\s([^>]*?)/?>")
_ATTR = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


@dataclass
class Document:
    """A front-matter file split into its parts."""

    front: LineDict | None
    body: str
    body_line: int  # the file line of the body's first line


@dataclass
class Body:
    html: str
    images: list[Image] = field(default_factory=list)
    links: list[tuple[str, int]] = field(default_factory=list)


MAX_DOCUMENT_BYTES = 512 * 1024  # a story or team page (a long real story is 30 KB; images are separate files)
MAX_INDENT = 64  # columns of indentation: deeper lists or code would exhaust python-markdown's recursion
MAX_QUOTES = 16  # > > > … quote levels
MAX_HTML_DEPTH = 32  # nested block HTML tags (<div markdown> inside <div markdown> …)
_BLOCK_TAG = re.compile(r"<(/?)(div|section|article|aside|blockquote|details|ul|ol|li|table|tbody|thead|tr|td|th|dl|dd|dt|p|span)\b[^>]*?(/?)>", re.I)


def read_document(path: Path, shown: str, problems: list[Problem], data: bytes | None = None) -> Document | None:
    """Read a Markdown file with YAML front matter between two '---' lines (`data`: its bytes, if read)."""
    try:
        size = len(data) if data is not None else path.stat().st_size
        if size > MAX_DOCUMENT_BYTES:
            problems.append(Problem(shown, None, f"文件过大（{_size(size)}），超过 {_size(MAX_DOCUMENT_BYTES)} 上限",
                                    f"不超过 {_size(MAX_DOCUMENT_BYTES)} 的 Markdown 文件（图片另放在 stories/images/ 中）"))
            return None
        text = (path.read_bytes() if data is None else data).decode("utf-8").lstrip("\ufeff")
    except (OSError, UnicodeDecodeError):
        problems.append(Problem(shown, None, "无法读取为 UTF-8 文本", "UTF-8 编码的 Markdown 文件"))
        return None
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        problems.append(Problem(shown, 1, "缺少文件头（front matter）",
                                "文件第一行是 “---”，接着写 YAML 字段，再以一行 “---” 结束"))
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        problems.append(Problem(shown, 1, "文件头（front matter）没有结束", "字段之后再有一行 “---”"))
        return None
    front, yaml_problems = parse("\n".join(lines[1:end]), shown, line_offset=1)
    problems += yaml_problems
    if yaml_problems:
        return None
    if not isinstance(front, LineDict):
        problems.append(Problem(shown, 2, "文件头不是 “key: value” 形式的字段", "每行一个 “key: value”"))
        return None
    return Document(front, "\n".join(lines[end + 1:]), end + 2)


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def nesting_problem(text: str, shown: str, first_line: int) -> Problem | None:
    """Markdown nested deeper than python-markdown can take (its parser recurses per level): indentation,
    quote levels or block HTML tags beyond the limits above, at the first line that goes too deep."""
    depth = 0
    for index, line in enumerate(text.split("\n")):
        where = first_line + index
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))
        if indent > MAX_INDENT:
            return Problem(shown, where, f"缩进超过 {MAX_INDENT} 列（列表或代码嵌套过深）", f"缩进不超过 {MAX_INDENT} 列的 Markdown")
        stripped = line.lstrip(" >")
        if line[: len(line) - len(stripped)].count(">") > MAX_QUOTES:
            return Problem(shown, where, f"引用（>）嵌套超过 {MAX_QUOTES} 层", f"引用不超过 {MAX_QUOTES} 层")
        for closing, _name, empty in _BLOCK_TAG.findall(line):
            depth += -1 if closing else (0 if empty else 1)
            if depth > MAX_HTML_DEPTH:
                return Problem(shown, where, f"HTML 标签嵌套超过 {MAX_HTML_DEPTH} 层", f"HTML 标签嵌套不超过 {MAX_HTML_DEPTH} 层")
    return None


class Renderer:
    """Markdown -> sanitised HTML with base-path-aware links and sized local images."""

    def __init__(self, content_root: Path, base_path: str):
        self.content_root = content_root.resolve()
        self.base_path = base_path
        self._markdown = None  # made when first needed (a warm build may need none)
        self._sizes: dict[Path, tuple[int, int] | None] = {}
        self._images: dict[tuple[Path, str], Image | str] = {}

    @property
    def markdown(self):
        """python-markdown, imported and set up on first use: a build of cached stories needs none."""
        if self._markdown is None:
            import markdown

            self._markdown = markdown.Markdown(
                extensions=["extra", "sane_lists"],
                extension_configs={"extra": {"footnotes": {"BACKLINK_TITLE": "返回正文"}}},
                output_format="html",
            )
        return self._markdown

    def render(self, text: str, source_dir: Path, shown: str, first_line: int, problems: list[Problem]) -> Body:
        raw = plain_paragraphs(text)
        if raw is None:
            nested = nesting_problem(text, shown, first_line)
            if nested is not None:
                problems.append(nested)
                return Body("")
            self.markdown.reset()
            try:
                raw = self.markdown.convert(text)
            except RecursionError:  # nesting the checks above did not foresee
                problems.append(Problem(shown, first_line, "正文嵌套过深，无法转换", "嵌套较浅的 Markdown（列表、引用、HTML 标签）"))
                return Body("")
        clean = _cleaner().clean(raw)
        body = Body("")
        place = _Locator(text, first_line)

        def rewrite(match: re.Match[str]) -> str:
            tag, attrs = match.group(1), dict((k, html.unescape(v)) for k, v in _ATTR.findall(match.group(2)))
            if tag == "a":
                self._link(attrs, body, place)
            else:
                self._image(attrs, body, source_dir, shown, place, problems)
            return _tag(tag, attrs)

        body.html = join_cjk_lines(_TAG.sub(rewrite, clean))
        return body

    def _link(self, attrs: dict[str, str], body: Body, place: "_Locator") -> None:
        href = attrs.get("href", "")
        if href.startswith("/") and not href.startswith("//"):
            pair = (href, place.line_of(href))
            if pair not in body.links:
                body.links.append(pair)
            attrs["href"] = self.base_path + href[1:]
            attrs.pop("rel", None)

    def _image(self, attrs: dict[str, str], body: Body, source_dir: Path, shown: str,
               place: "_Locator", problems: list[Problem]) -> None:
        src = attrs.get("src", "")
        image = self.image(src, source_dir, shown, place.line_of(src), problems)
        attrs["loading"] = "lazy"
        if image is None:
            return
        width, height = image.shown
        attrs.update(src=self.base_path + quote(image.src), width=str(width), height=str(height))
        srcset = image.srcset(self.base_path)
        if srcset:
            attrs.update(srcset=srcset, sizes=SIZES)
        if image not in body.images:
            body.images.append(image)

    def image(self, src: str, source_dir: Path, shown: str, line: int, problems: list[Problem]) -> Image | None:
        """A local image file under content/stories/, with its size; a Problem if it is not one."""
        key = (source_dir, src)
        if key not in self._images:
            self._images[key] = self._resolve(src, source_dir)
        found = self._images[key]
        if isinstance(found, str):
            expected = (f"content/stories/images/ 下的图片文件（{'、'.join(IMAGE_SUFFIXES)}），"
                        "路径相对于这篇文章所在的文件夹")
            problems.append(Problem(shown, line, f"图片 “{src}” {found}", expected))
            return None
        return found

    def _resolve(self, src: str, source_dir: Path) -> Image | str:
        """The image, or what is wrong with it (in Chinese, after `图片 “src” `)."""
        parts = urlsplit(src)
        if parts.scheme or parts.netloc:
            return "在其他网站上（本站要能离线使用，图片须放在本站）"
        relative = unquote(parts.path)
        path = (self.content_root / relative.lstrip("/")) if relative.startswith("/") else (source_dir / relative)
        path = path.resolve()
        if not path.is_relative_to(self.content_root / "stories") or path.suffix.lower() not in IMAGE_SUFFIXES:
            return "不可用（不是 content/stories/ 下的图片文件）"
        size = self._size(path)
        if size is None:
            return "不是可读取的图片" if path.is_file() else f"找不到（查找的位置：{rel(path)}）"
        return Image(PurePosixPath(path.relative_to(self.content_root)).as_posix(), *size)

    def _size(self, path: Path) -> tuple[int, int] | None:
        if path not in self._sizes:
            from PIL import Image as PILImage, UnidentifiedImageError

            try:
                with PILImage.open(path) as picture:
                    self._sizes[path] = upright_size(picture)
            except (OSError, UnidentifiedImageError):
                self._sizes[path] = None
        return self._sizes[path]


# Text in which Markdown (with "extra") finds nothing but paragraphs: no character that starts inline
# syntax, an entity, HTML, a table, an attribute list or a footnote; no line that starts a block (heading,
# quote, list, code, definition, setext underline) or ends in a hard break.
_SYNTAX = re.compile(r"[\\`*_\[\]!<>&#|~^{}=\r\t]|^[ :+\-]|^\d+[.)]|  $", re.M)
_BLANK = re.compile(r"\n[ ]*\n\s*")


def plain_paragraphs(text: str) -> str | None:
    """What python-markdown makes of text that is only paragraphs, without running it; None otherwise.

    Most stories are plain prose, and Markdown's inline patterns are most of a build's time for them;
    tests/test_markup_plain.py checks this gives python-markdown's bytes for every text it accepts."""
    if _SYNTAX.search(text):
        return None
    paragraphs = [p for p in _BLANK.split(text.strip("\n")) if p]
    if any(line.strip() == "" or line != line.strip() for p in paragraphs for line in p.split("\n")):
        return None
    return "\n".join(f"<p>{p}</p>" for p in paragraphs)


# A line break between two Chinese characters (or full-width punctuation) would show as a stray space.
_CJK = "\u2e80-\u9fff\u3000-\u303f\uf900-\ufaff\uff00-\uffef"
_CJK_BREAK = re.compile(f"(?<=[{_CJK}])\n(?=[{_CJK}])")
_PRE = re.compile(r"(<pre[\s>].*?</pre>)", re.S)


def join_cjk_lines(text: str) -> str:
    """Join soft line breaks between Chinese characters, outside <pre> blocks (as Hugo does for CJK)."""
    parts = _PRE.split(text)
    return "".join(part if part.startswith("<pre") else _CJK_BREAK.sub("", part) for part in parts)


class _Locator:
    """Finds the file line of a link or image target by searching the Markdown source."""

    def __init__(self, text: str, first_line: int):
        self.lines = text.split("\n")
        self.first_line = first_line

    def line_of(self, target: str) -> int:
        for needle in (target, unquote(target), html.escape(target)):
            for index, line in enumerate(self.lines):
                if needle and needle in line:
                    return self.first_line + index
        return self.first_line


def _tag(name: str, attrs: dict[str, str]) -> str:
    rendered = "".join(f' {key}="{html.escape(value, quote=True)}"' for key, value in attrs.items())
    return f"<{name}{rendered}>"
