"""The ledger clock: when a file was received. SITE_BUILDER_NOW (ISO 8601) fixes it, for tests and demos."""

from __future__ import annotations

import datetime as dt
import os


def now_iso() -> str:
    fixed = os.environ.get("SITE_BUILDER_NOW")
    if fixed:
        return dt.datetime.fromisoformat(fixed).isoformat()
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()
