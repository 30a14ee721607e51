"""Writing the reports: only outside any public site, only over a folder this command wrote, atomically."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from site_builder.errors import SiteBuilderError, rel

MARKER = ".sansong-reports"  # marks a folder this command wrote, so it may be replaced
KEPT = ("codes",)  # written there by `site-builder codes` (and the desk): kept when the reports are replaced


def check_out_dir(out: Path, project: Path) -> None:
    """Refuse an output folder inside a public site, or a folder this command did not write.

    Inside a public site means: the project's build/site, any folder named site in a folder named build,
    or any folder holding a built site (sw.js and manifest.webmanifest), or one of their ancestors.
    """
    out = out.resolve()
    sites = {(project / "build" / "site").resolve(), (Path.cwd() / "build" / "site").resolve()}
    for folder in (out, *out.parents):
        if (folder.name == "site" and folder.parent.name == "build") or _is_site(folder):
            sites.add(folder)
    for site in sorted(sites):
        if out == site or site in out.parents or out in site.parents:
            raise SiteBuilderError(f"{rel(out)}：报表是内部资料，不能放进公开网站 {rel(site)}；"
                                   "应为网站以外的 --out 文件夹，如 build/reports")
    ours = out.is_dir() and ((out / MARKER).exists() or all(entry.name in KEPT for entry in out.iterdir()))
    if out.exists() and not ours:
        raise SiteBuilderError(f"{rel(out)}：文件夹已存在，且不是 site-builder report 写的；"
                               "应为空的或新的文件夹，或本命令以前写过的文件夹")


def _is_site(folder: Path) -> bool:
    return (folder / "sw.js").is_file() and (folder / "manifest.webmanifest").is_file()


def write(out: Path, outputs: dict[str, bytes]) -> None:
    """Write into a temporary sibling, then swap it in, so a failed run leaves the old reports whole; the
code sheets of `site-builder codes` (KEPT) move across, so a report never deletes them."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".reports-", dir=out.parent))
    try:
        for path, data in sorted(outputs.items()):
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for name in KEPT:
            if (out / name).is_dir() and not (staging / name).exists():
                (out / name).rename(staging / name)
        if out.exists():
            shutil.rmtree(out)
        staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
