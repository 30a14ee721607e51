"""The only place the wall clock is read. Commands call these and pass the result down to the stages.

SITE_BUILDER_TODAY (YYYY-MM-DD) fixes "today" and SITE_BUILDER_NOW (ISO 8601) fixes "now", for tests
and demonstrations.
"""

from __future__ import annotations

import datetime as dt
import os

from site_builder import rules


def today(explicit: dt.date | None = None) -> dt.date:
    """The date a build, report or ingest is for: --today, else SITE_BUILDER_TODAY, else today in Beijing
    time (the programme's clock: a build on a UTC server at 23:30 is already tomorrow there)."""
    if explicit:
        return explicit
    fixed = os.environ.get("SITE_BUILDER_TODAY")
    return dt.date.fromisoformat(fixed) if fixed else rules.today_in_beijing()


def now_iso() -> str:
    """The ledger clock: when a file was received."""
    fixed = os.environ.get("SITE_BUILDER_NOW")
    if fixed:
        return dt.datetime.fromisoformat(fixed).isoformat()
    return dt.datetime.now(rules.BEIJING).replace(microsecond=0).isoformat()
