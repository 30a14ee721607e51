"""Checks that every internal link and asset reference in the output resolves (owner: rendering stage).

Reads rendered outputs only (no disk): every href/src/srcset/poster in .html files and every url() in
.css files must name an output file once the base path is applied ("/x/" -> "x/index.html"). Links to
other sites are fine; loading a script, image or stylesheet from another host is not.

Built for speed, because every page of a large site is checked: start tags that carry a reference are
found by one regular expression and their attributes by another (no HTML parser), the output path a
reference names is worked out once per distinct value, and lines are counted only for problems.
`check_page` is what a render worker runs on the page it has just rendered; `check` checks a whole
dict of outputs (the `check` command and the tests).
"""

from __future__ import annotations

import html
import posixpath
import re
from functools import lru_cache
from typing import Container, Sequence
from urllib.parse import unquote, urlsplit

from site_builder.errors import Problem

LINK_ATTRIBUTES = {"href", "src", "poster"}
LOADING_TAGS = {"script", "img", "source", "video", "audio", "iframe", "embed"}
FETCHED_RELS = ("stylesheet", "icon", "preload", "modulepreload", "manifest")
# An attribute that names something to fetch or follow, and its value (double-quoted, single-quoted or
# bare); references() keeps only those inside a tag (the last "<" before it comes after the last ">").
# ASCII: HTML separates attributes by ASCII blanks only and folds only ASCII case in their names (and
# the scan of every page is a fifth faster than with Unicode's classes).
VALUE = re.compile(r"""[\s"'](href|src|poster|srcset)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I | re.A)
TAG_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
REL = re.compile(r"""\srel\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.I | re.A)
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
NOT_CHECKED = ("mailto:", "tel:", "data:", "javascript:")

Reference = tuple[int, str, str, str, str]  # position in the text, tag, attribute, value, rel


def is_external(value: str) -> bool:
    return value.startswith("//") or bool(urlsplit(value).scheme)


def loads_from_elsewhere(tag: str, attribute: str, value: str, rel: str) -> bool:
    """A script, image, frame, stylesheet or icon fetched from another host (the site must work offline)."""
    if urlsplit(value).scheme not in ("http", "https") and not value.startswith("//"):
        return False
    fetched_link = tag == "link" and any(r in rel.split() for r in FETCHED_RELS)
    return tag in LOADING_TAGS or attribute == "srcset" or fetched_link


def target_of(value: str, page_url: str, base_path: str) -> str | None:
    """The output path a same-site reference names; "" for the page itself; None outside the base path."""
    path = unquote(urlsplit(value).path)
    if not path:
        return ""  # "#fragment" or "?query" on the page itself
    if not path.startswith("/"):
        path = posixpath.join(posixpath.dirname(page_url), path)
    return _inside(path, base_path)


@lru_cache(maxsize=65536)
def _absolute_target(value: str, base_path: str) -> str | None:
    return target_of(value, base_path, base_path)


def _inside(path: str, base_path: str) -> str | None:
    normalised = posixpath.normpath(path)
    if path.endswith("/") and normalised != "/":
        normalised += "/"
    if not normalised.startswith(base_path):
        return None
    inside = normalised[len(base_path):]
    return inside + "index.html" if inside == "" or inside.endswith("/") else inside


def output_url(output_path: str, base_path: str) -> str:
    """The URL at which an output file is served: "a/index.html" -> base_path + "a/index.html"."""
    return base_path + output_path


def resolve(value: str, output: str, base_path: str) -> str | None:
    """target_of for a reference in `output`; absolute paths are resolved once per distinct value."""
    if value.startswith("/") and not value.startswith("//"):
        return _absolute_target(value, base_path)
    return target_of(value, output_url(output, base_path), base_path)


def reference_problem(output: str, line: int, value: str, names: Container[str], base_path: str) -> Problem | None:
    if value.startswith(NOT_CHECKED) or is_external(value):
        return None
    target = resolve(value, output, base_path)
    if target == "" or (target is not None and target in names):
        return None
    if target is None:
        return Problem(output, line, f"链接 “{value}” 超出了网站的基础路径 {base_path}",
                       f"用 url() 生成、以 {base_path} 开头的链接")
    return Problem(output, line, f"链接 “{value}” 失效：构建不会生成 {target}", "构建会生成的页面或文件")


def check_reference(output: str, line: int, value: str, names: Container[str], base_path: str) -> Problem | None:
    """Kept for callers that check one reference at a time."""
    return reference_problem(output, line, value, names, base_path)


def references(text: str) -> list[Reference]:
    """(position of its tag, tag, attribute, value, rel) of every reference in an HTML text, in order."""
    found: list[Reference] = []
    for match in VALUE.finditer(text):
        start = _tag_start(text, match.start())
        if start < 0:
            continue
        attribute = match.group(1).lower()
        raw = match.group(2) if match.group(2) is not None else match.group(3) if match.group(3) is not None else match.group(4)
        tag, rel = _tag_and_rel(text, start)
        for value in _values(attribute, _unescape(raw)):
            found.append((start, tag, attribute, value, rel))
    return found


def _tag_start(text: str, position: int) -> int:
    """Where the tag holding `position` starts, or -1 when the position is not inside a tag."""
    start = text.rfind("<", 0, position)
    return start if start > text.rfind(">", 0, position) else -1


def _tag_and_rel(text: str, start: int) -> tuple[str, str]:
    end = text.find(">", start)
    inside = text[start + 1:end if end >= 0 else len(text)]
    name = TAG_NAME.match(inside)
    rel = REL.search(inside)
    value = (rel.group(1) or rel.group(2) or rel.group(3) or "") if rel else ""
    return (name.group(0).lower() if name else ""), html.unescape(value).lower()


def _values(attribute: str, raw: str) -> list[str]:
    if attribute != "srcset":
        return [raw]
    return [candidate.split()[0] for candidate in raw.split(",") if candidate.strip()]


def _unescape(value: str) -> str:
    return html.unescape(value) if "&" in value else value


def check_page(output: str, text: str, names: Container[str], base_path: str,
               fine: set | None = None, blocks: Sequence[str] = ()) -> list[Problem]:
    """Problems of one HTML page (lines counted only for what is reported).

    `fine` remembers absolute site paths already found to resolve against the same names and base path
    (the navigation and footer of every page), so each is checked once per build, not once per page; it
    also holds the matches (attribute, quoted value) found fine, so a page whose every reference is known
    is done with one scan and a set difference, without a step in Python per reference. Of a page with
    new references, only those are looked at; the page is walked tag by tag (to place a problem on its
    line, or to judge a link to another site by its tag) only when one of them is not fine.

    `blocks`: parts of the page rendered once and reused on many pages (render.Memo: the navigation, the
    footer, story cards). A block whose every reference is an absolute site path found fine is judged
    once per build (remembered in `fine`) and left out of the scan of the pages that show it."""
    fine = set() if fine is None else fine
    unknown = set(VALUE.findall(_outside(output, text, blocks, names, base_path, fine) if blocks else text)) - fine
    if not unknown:
        return []
    problems: list[Problem] = []
    if not all(_fine_anywhere(match, output, names, base_path, fine) for match in unknown):
        problems = _page_problems(output, text, names, base_path, fine)
    fine.update(m for m in unknown if (m[1] or m[2] or m[3]) in fine)
    return problems


def _outside(output: str, text: str, blocks: Sequence[str], names: Container[str], base_path: str,
             fine: set) -> str:
    """The page without the blocks fine on every page (_fine_block), each cut out where it stands between
    tags. The parts left are joined by ">", after which no reference can start, so a joint makes no new
    match; a block not found in place (out of order, changed by a filter) is simply scanned."""
    pieces = []
    start = 0
    find, rfind = text.find, text.rfind
    for block in blocks:
        if block not in fine and not _fine_block(output, block, names, base_path, fine):
            continue
        at = find(block, start)
        if at < 0 or rfind("<", 0, at) > rfind(">", 0, at):  # not found, or inside a tag (_tag_start)
            continue
        pieces.append(text[start:at])
        start = at + len(block)
    if not pieces:
        return text
    pieces.append(text[start:])
    return ">".join(pieces)


def _fine_block(output: str, block: str, names: Container[str], base_path: str, fine: set) -> bool:
    """Whether a block is whole elements (it starts with "<" and ends with ">") whose every reference is
    fine on any page: an absolute site path or fragment that resolves, or one never checked. Judged once
    per build: the verdict is kept in `fine` (the block's text, or ("not fine", the text))."""
    if block in fine:  # no reference is remembered by a value starting like a block ("<" or a blank)
        return True
    refused = ("not fine", block)
    if refused in fine:
        return False
    inner = block.strip()
    good = inner.startswith("<") and inner.endswith(">") and all(
        _fine_anywhere(match, output, names, base_path, fine)
        and all(value in fine or value.startswith(NOT_CHECKED) for value in _values(match[0].lower(), _unescape(match[1] or match[2] or match[3])))
        for match in set(VALUE.findall(block)))
    fine.add(block if good else refused)
    return good


def _fine_anywhere(match: tuple[str, str, str, str], output: str, names: Container[str], base_path: str,
                   fine: set) -> bool:
    """Whether a match is fine wherever it stands on the page: every value it names resolves, or is never
    checked (mailto: …). A link to another site is not judged here (its tag decides), nor is a problem
    reported (its line is wanted): both send the page to _page_problems. Absolute site paths found fine
    join `fine`, as there."""
    raw = match[1] or match[2] or match[3]
    for value in _values(match[0].lower(), _unescape(raw)):
        if value in fine or value.startswith(NOT_CHECKED):
            continue
        if is_external(value) or reference_problem(output, 0, value, names, base_path):
            return False
        if value.startswith(("/", "#")) and value == raw:  # means the same on every page
            fine.add(value)
    return True


def _page_problems(output: str, text: str, names: Container[str], base_path: str, fine: set) -> list[Problem]:
    problems: list[tuple[int, str, str]] = []
    for match in VALUE.finditer(text):
        raw = match.group(2) if match.group(2) is not None else match.group(3) if match.group(3) is not None else match.group(4)
        if raw in fine:
            continue
        start = _tag_start(text, match.start())
        if start < 0:
            continue
        attribute = match.group(1).lower()
        for value in _values(attribute, _unescape(raw)):
            if value in fine:
                continue
            if is_external(value):
                tag, rel = _tag_and_rel(text, start)
                if loads_from_elsewhere(tag, attribute, value, rel):
                    problems.append((start, f"<{tag} {attribute}='{value}'> 从其他网站加载",
                                     "所有脚本、样式和图片都由本站提供（网站要能离线使用）"))
                continue
            problem = reference_problem(output, 0, value, names, base_path)
            if problem:
                problems.append((start, problem.message, problem.expected or ""))
            elif value.startswith(("/", "#")) and value == raw:  # means the same on every page
                fine.add(value)
    return [Problem(output, text.count("\n", 0, position) + 1, message, expected)
            for position, message, expected in problems]


def check_html(output: str, data: bytes, names: Container[str], base_path: str) -> list[Problem]:
    return check_page(output, data.decode("utf-8", errors="replace"), names, base_path)


def check_css(output: str, data: bytes, names: Container[str], base_path: str) -> list[Problem]:
    problems = []
    text = data.decode("utf-8", errors="replace")
    for match in CSS_URL.finditer(text):
        value = match.group(2).strip()
        line = text.count("\n", 0, match.start()) + 1
        if is_external(value) and not value.startswith("data:"):
            problems.append(Problem(output, line, f"url({value}) 从其他网站加载", "本站的文件"))
            continue
        problem = reference_problem(output, line, value, names, base_path)
        if problem:
            problems.append(problem)
    return problems


def check_file(output: str, data: bytes, names: Container[str], base_path: str) -> list[Problem]:
    if output.endswith(".html"):
        return check_html(output, data, names, base_path)
    if output.endswith(".css"):
        return check_css(output, data, names, base_path)
    return []


def check(outputs: dict[str, bytes], base_path: str) -> list[Problem]:
    """Problems naming the output file (and line) of every reference that does not resolve."""
    return [p for name in sorted(outputs) for p in check_file(name, outputs[name], outputs, base_path)]
