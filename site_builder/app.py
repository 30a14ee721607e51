"""The offline app: form pages, web app manifest, service worker (owner: offline app). STUB: being written."""

from __future__ import annotations


def pages(content, today) -> list:
    return []


def outputs(content, pages, rendered: dict[str, bytes], theme_dir, assets) -> dict[str, bytes]:
    """Files derived from the rendered site: manifest.webmanifest, sw.js (precache list with revisions)."""
    return {}
