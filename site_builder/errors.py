"""The project's errors. The CLI catches SiteBuilderError and exits non-zero without a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in an input file, as users read it (in Chinese, docs/design.md "Languages"):
    `path:line：message；应为 expected`."""

    path: str
    line: int | None
    message: str
    expected: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}：{self.message}"
        if self.expected:
            text += "；" + spaced("应为", self.expected)
        return text


# Full-width punctuation needs no space beside Latin text; CJK characters and Latin text are spaced.
_TIGHT = set("（）【】《》「」『』、，。：；！？…　")


def _wide(char: str) -> bool:
    return ord(char) >= 0x2E80


def spaced(*parts: str) -> str:
    """The parts joined as Chinese text is set: a space between a Chinese character and Latin text or a
    quotation mark (`类别 “ZC9” 不存在`, `字段 title 为空`), none beside full-width punctuation."""
    text = ""
    for part in parts:
        if text and part:
            a, b = text[-1], part[0]
            if not (a.isspace() or b.isspace() or a in _TIGHT or b in _TIGHT) and _wide(a) != _wide(b):
                text += " "
        text += part
    return text


class SiteBuilderError(Exception):
    """Base class; its str() is what the user reads (Chinese: `what：问题；应为 …`)."""


class ContentErrors(SiteBuilderError):
    """Raised by check/build when content has problems; carries every problem found in one pass."""

    def __init__(self, problems: list[Problem], nothing_written: bool = True):
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0, p.message))
        self.nothing_written = nothing_written
        super().__init__(self.render())

    def render(self) -> str:
        lines = [str(p) for p in self.problems]
        tail = f"共 {len(self.problems)} 处问题"
        lines.append(tail + ("，未写入任何文件。" if self.nothing_written else "。"))
        return "\n".join(lines)


class UsageError(SiteBuilderError):
    """Raised for a bad command-line argument or a missing input folder."""


class LedgerError(SiteBuilderError):
    """Raised by ingest/ledger/report when the ledger cannot be used (not for bad records: those are reported)."""


def rel(path: Path | str, root: Path | None = None) -> str:
    """Path as the user typed it, relative to the working directory where possible."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(p)
