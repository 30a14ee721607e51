"""Checks that every internal link and asset reference in the output resolves (owner: rendering stage).

Reads the rendered outputs only (no disk): every href/src/srcset/poster in .html files (each tag that
carries one is found by a regular expression and parsed by html.parser) and every url() in .css files
must name an output file once the base path is applied ("/x/" -> "x/index.html").
Links to other sites are fine; loading a script, image or stylesheet from another host is not.
"""

from __future__ import annotations

import multiprocessing
import os
import posixpath
import re
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Container
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

from site_builder.errors import Problem

LINK_ATTRIBUTES = {"href", "src", "poster"}
LOADING_TAGS = {"script", "img", "source", "video", "audio", "iframe", "embed"}
# Start tags that carry a reference; only these are handed to the parser (a whole-page parse is 10x slower).
REFERENCING_TAG = re.compile(r"<[a-zA-Z][^<>]*?\s(?:href|src|srcset|poster)\s*=[^<>]*>")
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


class References(HTMLParser):
    """Collects (line, tag, attribute, value) for every reference in one HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str, str, str]] = []  # line, tag, attribute, value, rel

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        rel = (dict(attrs).get("rel") or "").lower()
        for name, value in attrs:
            if value is None:
                continue
            if name in LINK_ATTRIBUTES:
                self.found.append((line, tag, name, value, rel))
            elif name == "srcset":
                for candidate in value.split(","):
                    if candidate.strip():
                        self.found.append((line, tag, name, candidate.split()[0], rel))


def is_external(value: str) -> bool:
    parts = urlsplit(value)
    return bool(parts.scheme) or value.startswith("//")


def loads_from_elsewhere(tag: str, attribute: str, value: str, rel: str) -> bool:
    """A script, image, frame, stylesheet or icon fetched from another host (the site must work offline)."""
    if urlsplit(value).scheme not in ("http", "https") and not value.startswith("//"):
        return False
    fetched_link = tag == "link" and any(r in rel.split() for r in ("stylesheet", "icon", "preload", "modulepreload", "manifest"))
    return tag in LOADING_TAGS or attribute == "srcset" or fetched_link


def target_of(value: str, page_url: str, base_path: str) -> str | None:
    """The output path a same-site reference names; "" for the page itself; None outside the base path."""
    path = unquote(urlsplit(value).path)
    if not path:
        return ""  # "#fragment" or "?query" on the page itself
    if not path.startswith("/"):
        path = posixpath.join(posixpath.dirname(page_url), path)
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


def check_reference(output: str, line: int, value: str, names: Container[str], base_path: str) -> Problem | None:
    if is_external(value) or value.startswith(("mailto:", "tel:", "data:", "javascript:")):
        return None
    target = target_of(value, output_url(output, base_path), base_path)
    if target == "":
        return None
    if target is None:
        return Problem(output, line, f"link '{value}' leaves the site's base path {base_path}",
                       f"a link built with url() that starts with {base_path}")
    if target in names:
        return None
    return Problem(output, line, f"broken link '{value}': no output file {target}",
                   "a page or file the build produces")


def references(text: str) -> list[tuple[int, str, str, str, str]]:
    """(line, tag, attribute, value, rel) of every reference, each tag parsed by html.parser."""
    parser = References()
    found: list[tuple[int, str, str, str, str]] = []
    line, position = 1, 0
    for match in REFERENCING_TAG.finditer(text):
        line += text.count("\n", position, match.start())
        position = match.start()
        parser.reset()
        parser.found = []
        parser.feed(match.group(0))
        found += [(line + entry[0] - 1, *entry[1:]) for entry in parser.found]
    return found


def check_html(output: str, data: bytes, names: Container[str], base_path: str) -> list[Problem]:
    problems = []
    for line, tag, attribute, value, rel in references(data.decode("utf-8", errors="replace")):
        if loads_from_elsewhere(tag, attribute, value, rel):
            problems.append(Problem(output, line, f"<{tag} {attribute}='{value}'> loads from another host",
                                    "every script, style and image served by this site"))
            continue
        problem = check_reference(output, line, value, names, base_path)
        if problem:
            problems.append(problem)
    return problems


def check_css(output: str, data: bytes, names: Container[str], base_path: str) -> list[Problem]:
    problems = []
    text = data.decode("utf-8", errors="replace")
    for match in CSS_URL.finditer(text):
        value = match.group(2).strip()
        line = text.count("\n", 0, match.start()) + 1
        if is_external(value) and not value.startswith("data:"):
            problems.append(Problem(output, line, f"url({value}) loads from another host", "a file of this site"))
            continue
        problem = check_reference(output, line, value, names, base_path)
        if problem:
            problems.append(problem)
    return problems


PARALLEL_FROM = 3000  # files to check; below this, worker processes cost more than they save
_worker: dict[str, Any] = {}


def check_file(output: str, data: bytes, names: Container[str], base_path: str) -> list[Problem]:
    if output.endswith(".html"):
        return check_html(output, data, names, base_path)
    if output.endswith(".css"):
        return check_css(output, data, names, base_path)
    return []


def check(outputs: dict[str, bytes], base_path: str, jobs: int | None = None) -> list[Problem]:
    """Problems naming the output file (and line) of every reference that does not resolve.

    Large sites are checked by `jobs` worker processes (default: one per CPU from PARALLEL_FROM files)."""
    checked = sorted(name for name in outputs if name.endswith((".html", ".css")))
    workers = jobs if jobs is not None else (min(os.cpu_count() or 1, 8) if len(checked) >= PARALLEL_FROM else 1)
    if workers <= 1:
        return [p for name in checked for p in check_file(name, outputs[name], outputs, base_path)]
    size = -(-len(checked) // (workers * 4))
    chunks = [[(name, outputs[name]) for name in checked[i:i + size]] for i in range(0, len(checked), size)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_start_worker,
                             initargs=(frozenset(outputs), base_path)) as pool:
        return [p for found in pool.map(_check_chunk, chunks) for p in found]


def _start_worker(names: frozenset[str], base_path: str) -> None:
    _worker["names"], _worker["base_path"] = names, base_path


def _check_chunk(chunk: list[tuple[str, bytes]]) -> list[Problem]:
    return [p for name, data in chunk for p in check_file(name, data, _worker["names"], _worker["base_path"])]
