"""What ingest needs to know from content/: a small, plain view of the Content model.

Ingest checks records against this (known community, its post codes, known activity, grades) and
derives hours from the activities' planned hours. Tests can build one directly without YAML.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.errors import ContentErrors
from site_builder.model import Content


@dataclass(frozen=True)
class ActivityRef:
    id: str
    date: dt.date
    hours: float  # planned hours: the cap on credited hours
    community: str | None = None
    team: str | None = None


@dataclass(frozen=True)
class Catalogue:
    departments: frozenset[str]
    communities: dict[str, frozenset[str]]  # community id -> its post codes
    activities: dict[str, ActivityRef]
    grades: tuple[str, ...] = ("优秀", "合格", "基本合格", "不合格")
    correction_working_days: int = 10
    names: dict[str, str] = field(default_factory=dict)  # community id -> 阳光社区




def from_content(content: Content) -> Catalogue:
    posts: dict[str, set[str]] = {cid: set() for cid in content.communities}
    for post in content.posts.values():
        posts.setdefault(post.community, set()).add(post.code)
    activities = {
        a.id: ActivityRef(a.id, a.date, a.planned_hours, a.community, a.team)
        for a in content.activities.values()
    }
    return Catalogue(
        departments=frozenset(content.departments),
        communities={cid: frozenset(codes) for cid, codes in posts.items()},
        activities=activities,
        grades=tuple(content.site.evaluation_grades),
        correction_working_days=content.site.correction_working_days,
        names={cid: c.name for cid, c in content.communities.items()},
    )


def load_content(content_dir: Path, today: dt.date) -> Content:
    """Content as ingest needs it. Problems in stories (e.g. a missing image) do not block ingest; any
    problem in what records refer to (site, departments, communities, posts, activities) does."""
    from site_builder import content, validate

    loaded, problems = content.load(content_dir, drafts=True, today=today)
    if loaded is not None:
        problems += validate.validate(loaded)
    blocking = [p for p in problems if "stories" not in Path(p.path).parts]
    if blocking or loaded is None:
        raise ContentErrors(blocking or problems)
    return loaded


def load(content_dir: Path, today: dt.date) -> Catalogue:
    return from_content(load_content(content_dir, today))
