"""Limits of the collect endpoint: batch size and batches per device per minute (sliding window)."""

from __future__ import annotations

import re
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Callable

MAX_BATCH_BYTES = 2 * 1024 * 1024  # a batch of 200 records is ~100 KB sealed; an export file may be 20 MB
BATCHES_PER_MINUTE = 30  # per device (the app sends a batch at most every few seconds while it retries)
WINDOW = 60.0
DEVICE = re.compile(r"^[0-9A-Za-z-]{1,100}$")


@dataclass
class RateLimit:
    """At most `per_window` requests per key in any `window` seconds; `allow` says how long to wait when not."""

    per_window: int = BATCHES_PER_MINUTE
    window: float = WINDOW
    clock: Callable[[], float] = time.monotonic
    seen: dict[str, deque] = field(default_factory=dict)

    def allow(self, key: str) -> float:
        """0 when the request may go ahead (and it is counted), else seconds until it may."""
        now = self.clock()
        times = self.seen.setdefault(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        if len(times) >= self.per_window:
            return self.window - (now - times[0])
        times.append(now)
        if len(self.seen) > 10000:  # forget keys that have been quiet for a whole window
            for stale in [k for k, t in self.seen.items() if not t or now - t[-1] >= self.window]:
                del self.seen[stale]
        return 0.0


def client_key(device: str | None, address: str | None) -> str:
    """The rate limit's key: the device id the app sends (X-Sansong-Device), else the client address."""
    if device and DEVICE.match(device):
        return "device:" + device
    return "address:" + (address or "?")
