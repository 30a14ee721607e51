"""Collects every page of the public site as Page values (owner: rendering stage). STUB: being written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from site_builder.model import Content


@dataclass
class Page:
    url: str  # site-relative, starts with "/", ends with "/" for directory pages ("/communities/yangguang/") or a file name ("/404.html")
    template: str  # template name under theme/templates/
    title: str
    description: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    in_sitemap: bool = True
    precache: bool = False  # the offline app keeps it available without network

    @property
    def output_path(self) -> str:
        path = self.url.lstrip("/")
        return path + "index.html" if path == "" or path.endswith("/") else path


def collect(content: Content, figures, today: dt.date) -> list[Page]:
    return []
