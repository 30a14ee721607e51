"""A one-line progress counter for long work on a terminal; silent when output is not a terminal.

    渲染页面 1,200/15,629（3 秒）
    导入中：文件 3,201/10,000，已处理 45,000 条记录（12 秒）

`\\r` + erase-line, no dependency: the line is redrawn at most every INTERVAL seconds and erased when
the work ends, so what stays on the terminal is the summary line the command prints. When the stream is
not a terminal (a pipe, a file, a test) nothing at all is written. Used by `build` and `ingest`.

`step()` times the steps of a build on stderr when SITE_BUILDER_TIMING is set (benchmarks, profiling).
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from typing import Iterator, TextIO

ERASE = "\r\033[K"  # back to the start of the line, erase it
TIMING_ENV = "SITE_BUILDER_TIMING"


class Progress:
    """`label count/total, extra（seconds）`, for one piece of work at a time."""

    INTERVAL = 0.2

    def __init__(self, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.label, self.count, self.extra = "", 0, ""
        self.total: int | None = None
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._shown = False

    @classmethod
    def quiet(cls) -> "Progress":
        return cls(enabled=False)

    def start(self, label: str, total: int | None) -> "Progress":
        """Begin counting a new piece of work (total None: not known); returns self."""
        self.label, self.total, self.count, self.extra = label, total, 0, ""
        self.started = time.monotonic()
        self._draw(force=True)
        return self

    def advance(self, n: int = 1) -> None:
        self.count += n
        self._draw(force=self.total is not None and self.count >= self.total)

    def note(self, extra: str) -> None:
        """Text shown after the count (e.g. how many records so far)."""
        self.extra = extra
        self._draw()

    def line(self) -> str:
        of = "" if self.total is None else f"/{self.total:,}"
        extra = f"，{self.extra}" if self.extra else ""
        return f"{self.label} {self.count:,}{of}{extra}（{time.monotonic() - self.started:.0f} 秒）"

    def print_above(self, text: str, out: TextIO | None = None) -> None:
        """Print text to stdout; when stdout is the same terminal, the counter line stays below it."""
        out = out or sys.stdout
        shared = self._shown and _is_terminal(out)
        if shared:
            self.done()
        print(text, file=out, flush=self.enabled)
        if shared:
            self._draw(force=True)

    def done(self) -> None:
        """Erase the counter line (at the end, or before other output on the same terminal)."""
        if self._shown:
            self.stream.write(ERASE)
            self.stream.flush()
            self._shown = False

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or not self.label or (not force and now - self._drawn_at < self.INTERVAL):
            return
        self._drawn_at = now
        self.stream.write(ERASE + self.line())
        self.stream.flush()
        self._shown = True


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


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
