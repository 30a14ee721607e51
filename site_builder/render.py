"""Renders pages with Jinja2 (owner: rendering stage). STUB: being written."""

from __future__ import annotations


def render_all(pages, content, theme_dir, assets, today) -> dict[str, bytes]:
    return {}
