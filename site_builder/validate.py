"""Cross-reference validation of the loaded content (owner: content stage). STUB: being written."""

from __future__ import annotations

from site_builder.errors import Problem
from site_builder.model import Content


def validate(content: Content) -> list[Problem]:
    return []


def check_story_links(content: Content, urls: set[str]) -> list[Problem]:
    """A story linking to a page that does not exist: one Problem per broken link, at its line."""
    return []
