"""Theme static files with content-hashed names (owner: rendering stage). STUB: being written."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Assets:
    outputs: dict[str, bytes] = field(default_factory=dict)  # output path -> bytes
    names: dict[str, str] = field(default_factory=dict)  # "css/site.css" -> "static/css/site.3f2a9c1b.css"

    def url(self, name: str) -> str:
        return "/" + self.names[name]


def collect(theme_dir: Path) -> Assets:
    return Assets()
