"""A one-line progress counter for long work on a terminal; silent when output is not a terminal.

    渲染页面 1200/15629

The line is redrawn at most ten times a second and cleared when the work ends, so what stays on the
terminal is the summary line the command prints. No dependency: a carriage return is all it takes.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Iterator, TextIO

REDRAW_SECONDS = 0.1


class Progress:
    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.label, self.total, self.count = "", 0, 0
        self._drawn = 0.0
        self._width = 0

    @classmethod
    def quiet(cls) -> "Progress":
        return cls(enabled=False)

    def start(self, label: str, total: int) -> "Progress":
        """Begin counting `total` items of a new step; returns self (call advance(n) as they finish)."""
        self.label, self.total, self.count = label, total, 0
        self._draw(force=True)
        return self

    def advance(self, n: int = 1) -> None:
        self.count += n
        self._draw(force=self.count >= self.total)

    def done(self) -> None:
        """Clear the line."""
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def _draw(self, force: bool = False) -> None:
        if not self.enabled or not self.total:
            return
        now = time.monotonic()
        if not force and now - self._drawn < REDRAW_SECONDS:
            return
        self._drawn = now
        text = f"{self.label} {self.count}/{self.total}"
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = max(self._width, _cells(text))


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _cells(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if ord(char) > 0x2E80 else 1 for char in text)


TIMING_ENV = "SITE_BUILDER_TIMING"  # set to 1: each step's seconds on stderr (benchmarks, profiling)


@contextlib.contextmanager
def step(name: str) -> Iterator[None]:
    """Time a step of a build when SITE_BUILDER_TIMING is set; otherwise nothing."""
    if not os.environ.get(TIMING_ENV):
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        print(f"  {name:<12} {time.perf_counter() - started:7.3f} s", file=sys.stderr, flush=True)
