"""A one-line progress counter for long ingests, on the terminal only.

Plain `\\r` + erase-line, no dependency: one line (files done of the total, records offered, seconds)
is all a secretary needs, and it must never end up in a redirected log. When stderr is not a terminal
(a pipe, a file, a test) nothing at all is written.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

ERASE = "\r\033[K"  # back to the start of the line, erase it


class Progress:
    """`导入中：第 3,201/10,000 个文件，已处理 45,000 条记录（12 秒）`, redrawn at most every INTERVAL seconds."""

    INTERVAL = 0.2

    def __init__(self, total_files: int | None = None, stream: TextIO | None = None, enabled: bool | None = None):
        self.stream = stream or sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled
        self.total_files = total_files
        self.files = 0
        self.records = 0
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._shown = False

    def add_records(self, count: int) -> None:
        self.records += count
        self._draw()

    def file_done(self) -> None:
        self.files += 1
        self._draw()

    def line(self) -> str:
        current = self.files + 1 if self.total_files is None else min(self.files + 1, self.total_files)
        of = "" if self.total_files is None else f"/{self.total_files:,}"
        return (f"导入中：第 {current:,}{of} 个文件，已处理 {self.records:,} 条记录"
                f"（{time.monotonic() - self.started:.0f} 秒）")

    def print_above(self, text: str, out: TextIO | None = None) -> None:
        """Print text to stdout; when stdout is the same terminal, the counter line stays below it."""
        out = out or sys.stdout
        shared = self._shown and _is_terminal(out)
        if shared:
            self.clear()
        print(text, file=out, flush=self.enabled)
        if shared:
            self._draw(force=True)

    def clear(self) -> None:
        """Erase the counter line (at the end, or before other output on the same terminal)."""
        if self._shown:
            self.stream.write(ERASE)
            self.stream.flush()
            self._shown = False

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self._drawn_at < self.INTERVAL):
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
