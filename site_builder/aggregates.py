"""Public, anonymous figures from the ledger (owner: figures and reports). STUB: being written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from site_builder.model import Content


def public_figures(content: Content, ledger: Path, today: dt.date):
    """Figures for the public site, or None when there is no ledger. See docs/design.md for the shape."""
    return None
