"""Python's cycle collector, rested while a large batch of long-lived objects is made.

A build (10,000 stories: ~10^6 objects for the stories, pages, fingerprints and search terms) and the
ingest of a big file (100,000 records) make objects that hold no reference cycles: reference counting
frees them. The collector would scan them again and again while they are made (each full collection
walks every object alive). `resting()` freezes what exists (the collector skips it from then on, and
workers forked meanwhile do not copy its pages by writing the collector's marks) and rests until the
block ends; any cycle made meanwhile is collected once the collector runs again.
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def resting() -> Iterator[None]:
    collecting = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()
        gc.unfreeze()
