"""The project's errors. The CLI catches SiteBuilderError and exits non-zero without a traceback."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, order=True)
class Problem:
    """One located problem in an input file: `path:line: message; expected …`."""

    path: str
    line: int | None
    message: str
    expected: str | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        text = f"{where}: {self.message}"
        if self.expected:
            text += f"; expected {self.expected}"
        return text


class SiteBuilderError(Exception):
    """Base class; its str() is what the user reads."""


class ContentErrors(SiteBuilderError):
    """Raised by check/build when content has problems; carries every problem found in one pass."""

    def __init__(self, problems: list[Problem], nothing_written: bool = True):
        self.problems = sorted(problems, key=lambda p: (p.path, p.line or 0, p.message))
        self.nothing_written = nothing_written
        super().__init__(self.render())

    def render(self) -> str:
        lines = [str(p) for p in self.problems]
        n = len(self.problems)
        tail = f"{n} error{'s' if n != 1 else ''}"
        if self.nothing_written:
            tail += "; nothing was written."
        lines.append(tail)
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
