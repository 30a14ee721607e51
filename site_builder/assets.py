"""Theme static files with content-hashed names (owner: rendering stage).

Every file under theme/static/ is published as static/<dir>/<stem>.<8 hex of sha256>.<ext>, so it can be
cached forever. Files under theme/static/icons/ are published under their stable name as well
(static/icons/<name>), because home-screen icons and shared-link images are remembered by URL outside
the site. Hidden files (names starting with ".") are skipped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from site_builder.errors import SiteBuilderError

STABLE_DIRS = ("icons",)  # also published under their own name


@dataclass
class Assets:
    outputs: dict[str, bytes] = field(default_factory=dict)  # output path -> bytes
    names: dict[str, str] = field(default_factory=dict)  # "css/site.css" -> "static/css/site.3f2a9c1b.css"

    def url(self, name: str) -> str:
        """Site-relative URL ("/static/css/site.3f2a9c1b.css") of a theme file named as under theme/static/."""
        try:
            return "/" + self.names[name]
        except KeyError:
            raise SiteBuilderError(f"theme/static/{name}：找不到这个主题文件；应为以下文件之一："
                                   + "、".join(sorted(self.names))) from None


def hashed_name(name: str, data: bytes) -> str:
    """"css/site.css" + bytes -> "static/css/site.3f2a9c1b.css"."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(data).hexdigest()[:8]
    suffix = "".join(path.suffixes[-1:])
    stem = path.name[: len(path.name) - len(suffix)] if suffix else path.name
    return str(PurePosixPath("static") / path.parent / f"{stem}.{digest}{suffix}")


def collect(theme_dir: Path) -> Assets:
    """Every file under theme_dir/static, hashed; sorted, so the result does not depend on the disk."""
    static = Path(theme_dir) / "static"
    assets = Assets()
    if not static.is_dir():
        return assets
    for file in sorted(p for p in static.rglob("*") if p.is_file()):
        name = file.relative_to(static).as_posix()
        if any(part.startswith(".") for part in PurePosixPath(name).parts):
            continue
        data = file.read_bytes()
        out = hashed_name(name, data)
        assets.names[name] = out
        assets.outputs[out] = data
        if PurePosixPath(name).parts[0] in STABLE_DIRS:
            assets.outputs[f"static/{name}"] = data
    return assets
