"""Loads content/ into the Content model (owner: content stage). STUB: being written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from site_builder.errors import Problem
from site_builder.model import Content


def load(content_dir: Path, drafts: bool, today: dt.date, base_url: str | None = None) -> tuple[Content | None, list[Problem]]:
    raise NotImplementedError


def copied_files(content: Content) -> dict[str, bytes]:
    """Files copied verbatim from content/ into the site (story images), as output path -> bytes."""
    return {}
