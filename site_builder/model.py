"""The content model: what content/ says, after loading and validation.

Every object keeps `source` (path relative to the content folder) and `line` so that later stages can
point at the place a value came from. Stages after validation may assume every reference resolves.
See docs/content-format.md for the YAML/Markdown that produces these objects.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

# The six roles a member takes on (实施方案 三(三)3).
ROLES = ("宣传员", "信息员", "参谋员", "劝导员", "服务员", "帮扶员")

# Occasions on which communities organise activities (实施方案 三(二)3).
OCCASIONS = ("党员活动日", "传统节日", "纪念日", "其他")


@dataclass(frozen=True)
class Targets:
    registration_deadline: str = "05-10"  # MM-DD within the programme year
    registration_rate: float = 0.9
    activities_per_member: int = 4
    star_hours: tuple[int, ...] = (100, 300, 600, 1000, 1500)  # hours for 1..5 stars
    three_star_share: float = 0.5


@dataclass(frozen=True)
class Site:
    title: str
    subtitle: str
    district: str
    base_url: str  # absolute URL or path, always ending in "/"
    language: str
    year: int
    targets: Targets
    activity_days: tuple[int, ...] = (15, 16)
    min_group: int = 5  # privacy: smallest group whose count is shown
    evaluation_grades: tuple[str, ...] = ("优秀", "合格", "基本合格", "不合格")
    recording_unit: str = ""  # 志愿服务记录机构 named on certificates
    correction_working_days: int = 10
    sync_endpoint: str | None = None
    export_public_key: str | None = None
    description: str = ""
    source: str = "site.yaml"

    @functools.cached_property  # asked for every link of every page: worked out once per Site
    def base_path(self) -> str:
        """The path part of base_url ("/" or "/sub/path/"), used to prefix internal links."""
        from urllib.parse import urlsplit

        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"


@dataclass(frozen=True)
class Category:
    code: str  # two capital letters, e.g. "ZC"
    name: str  # 政策宣传
    description: str = ""
    source: str = "categories.yaml"
    line: int = 0


@dataclass(frozen=True)
class Department:
    code: str  # "D03": the prefix of the 报到卡 numbers it issues
    name: str
    headcount: int  # in-service party members: the registration-rate denominator
    kind: str = ""  # 机关 / 事业单位 / …
    source: str = "departments.yaml"
    line: int = 0


@dataclass(frozen=True)
class Community:
    id: str  # URL slug, e.g. "yangguang"
    code: str  # two or three capital letters used in post codes, e.g. "YG"
    name: str  # 阳光社区
    key: bool  # one of the 13 key communities named in the document
    street: str = ""  # 街道 / 镇
    address: str = ""  # the community centre's public address
    phone: str = ""  # the community centre's public office phone (never a person's)
    liaison: tuple[str, ...] = ()  # department codes that 包抓 this community
    description: str = ""
    source: str = "communities.yaml"
    line: int = 0


@dataclass(frozen=True)
class Service:
    name: str  # 五点半课堂
    description: str = ""
    category: str | None = None  # category code


@dataclass(frozen=True)
class Team:
    id: str  # file stem of teams/<id>.md
    name: str
    lead_departments: tuple[str, ...]  # department codes
    services: tuple[Service, ...]
    communities: tuple[str, ...] = ()  # community ids it mainly serves
    summary: str = ""
    body_html: str = ""
    source: str = ""
    line: int = 0


@dataclass(frozen=True)
class Post:
    code: str  # 分类编码 "YG-ZC-01": community code, category code, number
    community: str  # community id
    category: str  # category code
    title: str
    duties: str
    capacity: int
    schedule: str = ""
    place: str = ""
    role: str | None = None  # one of ROLES
    source: str = ""
    line: int = 0


@dataclass(frozen=True)
class Activity:
    id: str  # "2026-05-15-yangguang"
    title: str
    date: dt.date
    start: dt.time
    end: dt.time
    place: str
    category: str  # category code
    occasion: str  # one of OCCASIONS
    organiser: str  # the organising role/unit (never a private person's phone)
    community: str | None = None  # community id (an activity has a community, a team, or both)
    team: str | None = None  # team id
    hours: float = 0.0  # planned hours; the loader fills in end - start when not given (planned_hours)
    capacity: int | None = None
    posts: tuple[str, ...] = ()  # post codes involved
    description: str = ""
    source: str = ""
    line: int = 0

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.start)

    @property
    def ends_at(self) -> dt.datetime:
        return dt.datetime.combine(self.date, self.end)

    @property
    def planned_hours(self) -> float:
        """The planned length in hours: `hours` when given, else end - start. Caps credited hours."""
        if self.hours and self.hours > 0:
            return round(float(self.hours), 2)
        return round(max((self.ends_at - self.starts_at).total_seconds(), 0) / 3600, 2)


@dataclass(frozen=True)
class NamedMember:
    """A member named in a story; only allowed with recorded consent."""

    name: str
    department: str  # department code
    consent: dt.date  # date the separate consent was recorded
    deeds: str = ""


@dataclass(frozen=True)
class Image:
    src: str  # path relative to content/ and the same output path under the site, unquoted ("stories/images/x.jpg")
    width: int  # of the file as it stands (EXIF orientation applied); the site publishes it capped (images.py)
    height: int

    @property
    def variants(self) -> tuple[tuple[str, int, int], ...]:
        """Published files (output path, width, height), smallest first; the last is `src`, capped."""
        from site_builder.images import variants

        return variants(self.src, self.width, self.height)

    @property
    def shown(self) -> tuple[int, int]:
        """Width and height of the published `src` (what <img width height> say)."""
        return self.variants[-1][1:]

    @property
    def sizes(self) -> str:
        """The `sizes` of an <img> with a srcset: how wide the story column shows it."""
        from site_builder.images import SIZES

        return SIZES

    def srcset(self, base_path: str) -> str:
        """The `srcset` of an <img>: every published width under the base path; "" when there is one."""
        from urllib.parse import quote

        found = self.variants
        return ", ".join(f"{base_path}{quote(path)} {w}w" for path, w, _h in found) if len(found) > 1 else ""


@dataclass(frozen=True)
class Story:
    slug: str  # file stem of stories/<slug>.md
    title: str
    date: dt.date
    summary: str
    body_html: str = ""  # "" once loaded: content.load keeps bodies apart (Content.body_store, Content.body)
    community: str | None = None
    team: str | None = None
    tags: tuple[str, ...] = ()
    cover: Image | None = None
    images: tuple[Image, ...] = ()  # every local image the story references (copied to the site)
    draft: bool = False
    publish_date: dt.date | None = None
    members: tuple[NamedMember, ...] = ()
    links: tuple[tuple[str, int], ...] = ()  # internal link targets and their line, checked by validation
    source: str = ""
    line: int = 0
    # What the story was made from (its file, images and the base path): equal digests, equal story.
    # Set by the loader; pages that show a story are re-rendered when it changes (build cache).
    digest: str = field(default="", compare=False)
    # Not published yet (a draft, or its publish_date still to come), shown only by a --drafts build:
    # marked 草稿 on its page and in lists, never in the feed or the sitemap. Set by content.load for the
    # build's day; fingerprint.key counts it with the digest.
    preview: bool = field(default=False, compare=False)

    def is_published(self, today: dt.date) -> bool:
        return not self.draft and (self.publish_date or self.date) <= today


@dataclass
class Content:
    """Everything loaded from content/, keyed for lookups. Built by site_builder.content."""

    root: str  # the content folder, as given
    site: Site
    categories: dict[str, Category] = field(default_factory=dict)  # by code
    departments: dict[str, Department] = field(default_factory=dict)  # by code
    communities: dict[str, Community] = field(default_factory=dict)  # by id, in file order
    teams: dict[str, Team] = field(default_factory=dict)  # by id, sorted by file name
    posts: dict[str, Post] = field(default_factory=dict)  # by code
    activities: dict[str, Activity] = field(default_factory=dict)  # by id, sorted by start
    contact_points: tuple[Any, ...] = ()  # duties.ContactPoint: 四大班子 leaders' 联系点 (contact-points.yaml)
    rota: tuple[Any, ...] = ()  # duties.Shift: holiday 轮班 of community staff (rota/*.yaml), by date
    stories: dict[str, Story] = field(default_factory=dict)  # by slug, newest first
    digest: str = ""  # of every file but the stories (and of the base path): pages that use content depend on it
    # Where the bodies of loaded stories are (cache.Bodies; None: every story carries its body). Pages that
    # show one story get its body from here (render.with_bodies); lists, sent to workers, carry none.
    body_store: Any = field(default=None, repr=False, compare=False)
    # Files that could not be read at all (YAML syntax, no front matter: reported once), as paths under
    # content/: validation does not report references to what they would have defined.
    unreadable: frozenset[str] = field(default=frozenset(), compare=False)

    def body(self, story: Story) -> str:
        """A story's HTML body: from the body store (what this build rendered, else the build cache)."""
        return self.bodies([story])[story.slug]

    def bodies(self, stories: list[Story]) -> dict[str, str]:
        """slug -> HTML body of each story, fetching from the body store in one go what it does not carry."""
        found = {s.slug: s.body_html for s in stories if s.body_html or self.body_store is None}
        waiting = [s for s in stories if s.slug not in found]
        if waiting:
            fetched = self.body_store.bodies([s.digest for s in waiting])
            found.update((s.slug, fetched[s.digest]) for s in waiting)
        return found

    def posts_of(self, community_id: str) -> list[Post]:
        return [p for p in self.posts.values() if p.community == community_id]
