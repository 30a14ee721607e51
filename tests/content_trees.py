"""Helpers for tests that use the fixture content trees in tests/fixtures/content/."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from site_builder import content, validate
from site_builder.errors import Problem
from site_builder.model import Content

TREES = Path(__file__).resolve().parent / "fixtures" / "content"
TODAY = dt.date(2026, 6, 1)


def copy_tree(name: str, into: Path) -> Path:
    """A private copy of a fixture tree, to change or to run commands in."""
    target = into / "content"
    shutil.copytree(TREES / name, target)
    return target


def load(root: Path, drafts: bool = False, today: dt.date = TODAY, base_url: str | None = None) -> tuple[Content | None, list[Problem]]:
    return content.load(root, drafts=drafts, today=today, base_url=base_url)


def all_problems(root: Path, **kwargs) -> list[Problem]:
    loaded, problems = load(root, **kwargs)
    if loaded is not None:
        problems = problems + validate.validate(loaded)
    return sorted(problems)


def files_of(folder: Path) -> dict[str, bytes]:
    """Every file under folder (relative POSIX path -> bytes): two builds compare equal exactly when alike."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def project_options(project: Path, out: str = "build/site", **changes):
    """Build options for a project folder holding content/ and theme/ (the ledger in data/); `today` and
    any other option given in changes."""
    from site_builder import build

    values = dict(content_dir=project / "content", out_dir=project / out, theme_dir=project / "theme",
                  ledger=project / "data" / "records.sqlite")
    values.update(changes)
    return build.Options(**values)
