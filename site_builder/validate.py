"""Cross-reference validation of the loaded content: every reference resolves, codes are consistent,
dates and rules make sense. Runs after content.load (which reports problems within one entry) and
returns every problem found; nothing is raised here.

Each problem is located at the field it concerns (or its entry), in Chinese as users read it:
`content/posts/yangguang.yaml:14：岗位 YG-ZC-01：类别 “ZC9” 不存在；应为 ZC、HJ、…之一`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Collection
from urllib.parse import unquote, urlsplit

from site_builder import duties
from site_builder.errors import Problem, rel
from site_builder.fields import one_of, shorten
from site_builder.privacy import EXPECTED, personal_numbers
from site_builder.markup import read_document
from site_builder.model import OCCASIONS, ROLES, Activity, Community, Content, Post, Story, Team
from site_builder.scaffold import SUMMARY_PLACEHOLDER
from site_builder.yamlload import LineDict, load as load_yaml

# The 实施方案 names 13 key communities (重点社区) where reporting is concentrated.
KEY_COMMUNITIES = 13
# Story slugs that would collide with list pages under /stories/.
RESERVED_STORY_SLUGS = ("page", "tag", "community", "team", "images")
# Activity ids that would collide with the calendar's own pages under /activities/ (pages.CALENDAR_SEGMENTS).
RESERVED_ACTIVITY_IDS = ("month", "past", "community", "team")
# Site files that are not pages but may be linked from a story.
NON_PAGE_FILES = ("/feed.xml", "/activities.ics", "/sitemap.xml", "/robots.txt")


class _Checker:
    def __init__(self, content: Content, site_known: bool = True):
        self.content = content
        self.site_known = site_known  # False: site.yaml has problems (reported), its values are stand-ins
        self.problems: list[Problem] = []
        self.lines = _KeyLines(Path(content.root))
        # What unreadable files would have defined (reported once, by the loader): not reported as missing.
        unreadable = content.unreadable
        self.teams = set(content.teams) | {Path(f).stem for f in unreadable if f.startswith("teams/")}
        self.any_post_unknown = "communities.yaml" in unreadable
        self.unread_post_prefixes = {content.communities[Path(f).stem].code + "-" for f in unreadable
                                     if f.startswith("posts/") and Path(f).stem in content.communities}

    def post_unknown(self, code: str) -> bool:
        """A post code that may be defined in a posts file that could not be read."""
        return self.any_post_unknown or code.startswith(tuple(self.unread_post_prefixes))

    def shown(self, source: str) -> str:
        return rel(Path(self.content.root) / source)

    def add(self, source: str, line: int, message: str, expected: str | None = None, key: str | None = None) -> None:
        """A problem at the entry starting at `line`, or at its `key` when the file says where that is."""
        if key:
            line = self.lines.find(source, line, key)
        self.problems.append(Problem(self.shown(source), line or None, message, expected))

    def ref(self, source: str, line: int, label: str, what: str, value: str | None, valid: Collection[str],
            key: str | None = None) -> None:
        """Report `value` if it is given and not among `valid`.

        Nothing is reported when there are no valid values at all: the file defining them is missing,
        empty or unreadable, and that has been reported once already.
        """
        if value and valid and value not in valid:
            self.add(source, line, f"{label}：{what} “{value}” 不存在", one_of(value, list(valid)), key)


class _KeyLines:
    """The line of a key inside an entry, found by reading the file again (only when reporting a problem).

    The model keeps each entry's line; the exact line of a field is only needed for problems, so it is
    looked up lazily rather than stored on every value.
    """

    def __init__(self, root: Path):
        self.root = root
        self.parsed: dict[str, Any] = {}

    def find(self, source: str, entry_line: int, key: str) -> int:
        entry = self._entry(source, entry_line)
        return entry.line_of(key) if entry is not None else entry_line

    def text_line(self, source: str, needle: str) -> int:
        """The first line of the file that contains `needle` (1 if none does)."""
        try:
            text = (self.root / source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return 1
        index = text.find(needle)
        return text.count("\n", 0, index) + 1 if index >= 0 else 1

    def _entry(self, source: str, entry_line: int) -> LineDict | None:
        if source not in self.parsed:
            self.parsed[source] = self._parse(source)
        data = self.parsed[source]
        if isinstance(data, LineDict):  # front matter: the file is the entry
            return data
        if isinstance(data, list):
            return next((item for item in data if isinstance(item, LineDict) and item.line == entry_line), None)
        return None

    def _parse(self, source: str) -> Any:
        path = self.root / source
        if path.suffix == ".md":
            document = read_document(path, source, [])
            return document.front if document else None
        data, _ = load_yaml(path, source)
        return data


def validate(content: Content, site_known: bool = True) -> list[Problem]:
    """Every cross-reference problem. `site_known=False`: site.yaml could not be used (and says why), so
    checks against its values (activity days, the programme year) are left out."""
    checker = _Checker(content, site_known)
    _privacy(checker)
    _communities(checker)
    for team in content.teams.values():
        _team(checker, team)
    for post in content.posts.values():
        _post(checker, post)
    for activity in content.activities.values():
        _activity(checker, activity)
    for story in content.stories.values():
        _story(checker, story)
    duties.validate(content, checker.add)
    return checker.problems


def _privacy(c: _Checker) -> None:
    """No mobile phone or ID number in any public text (stories are checked as they load: stories.py)."""
    content = c.content
    texts = [(x.source, x.line, f"社区 {x.id}", key, getattr(x, key))
             for x in content.communities.values() for key in ("phone", "address", "description")]
    texts += [(x.source, x.line, f"岗位 {x.code}", key, getattr(x, key))
              for x in content.posts.values() for key in ("duties", "schedule", "place")]
    texts += [(x.source, x.line, f"活动 {x.id}", key, getattr(x, key))
              for x in content.activities.values() for key in ("place", "organiser", "description")]
    texts += [(x.source, x.line, f"志愿服务队 {x.id}", key, getattr(x, key))
              for x in content.teams.values() for key in ("summary", "body_html")]
    for source, line, label, key, text in texts:
        for number, what in personal_numbers(text):
            where = c.lines.text_line(source, number) if key.startswith("body") else line
            field = "正文" if key.startswith("body") else f"字段 {key} "
            c.add(source, where, f"{label}：{field}中有{what}（{number[:3]}…）", EXPECTED,
                  None if key.startswith("body") else key)


def _communities(c: _Checker) -> None:
    key = [community for community in c.content.communities.values() if community.key]
    if len(key) > KEY_COMMUNITIES:
        c.add("communities.yaml", key[KEY_COMMUNITIES].line, f"有 {len(key)} 个社区标为 key: true",
              f"不超过实施方案列出的 {KEY_COMMUNITIES} 个重点社区", "key")
    codes: dict[str, Community] = {}
    for community in c.content.communities.values():
        label, src, line = f"社区 {community.id}", community.source, community.line
        for code in community.liaison:
            c.ref(src, line, label, "包抓部门", code, c.content.departments, "liaison")
        if not community.key and not community.liaison:
            c.add(src, line, f"{label}：不是重点社区，也没有写包抓部门",
                  "写明包抓它的部门，例如 “liaison: [D05, …]”")
        if community.code in codes:
            c.add(src, line, f"{label}：编码 {community.code} 已被社区 {codes[community.code].id} 使用",
                  "每个社区各用一个编码（它是岗位编码的前缀）", "code")
        codes.setdefault(community.code, community)
    _post_files(c)


def _post_files(c: _Checker) -> None:
    for source in sorted({post.source for post in c.content.posts.values()}):
        stem = Path(source).stem
        if c.content.communities and stem not in c.content.communities:
            c.add(source, 1, f"文件名 “{Path(source).name}” 不是社区 id",
                  f"posts/<社区 id>.yaml，社区 id 为 {shorten(list(c.content.communities))} 之一")


def _team(c: _Checker, team: Team) -> None:
    label, src, line = f"志愿服务队 {team.id}", team.source, team.line
    for code in team.lead_departments:
        c.ref(src, line, label, "牵头部门", code, c.content.departments, "lead_departments")
    for community in team.communities:
        c.ref(src, line, label, "社区", community, c.content.communities, "communities")
    for service in team.services:
        c.ref(src, line, f"{label}：服务项目 {service.name}", "类别", service.category, c.content.categories,
              "services")
    if not team.services:
        c.add(src, line, f"{label}：没有服务项目", "services 下至少有一项", "services")


def _post(c: _Checker, post: Post) -> None:
    label, src, line = f"岗位 {post.code}", post.source, post.line
    c.ref(src, line, label, "类别", post.category, c.content.categories, "category")
    community = c.content.communities.get(post.community)
    prefix, middle, _ = post.code.split("-")
    if community and prefix != community.code:
        c.add(src, line, f"{label}：编码以 {prefix} 开头，但本文件是{community.name}的岗位",
              f"posts/{post.community}.yaml 中的编码以 {community.code}- 开头", "code")
    if post.category and middle != post.category:
        c.add(src, line, f"{label}：编码中的类别是 {middle}，但字段 category 是 {post.category}",
              f"编码 {prefix}-{post.category}-nn，或类别 {middle}", "category")
    if post.role and post.role not in ROLES:
        c.add(src, line, f"{label}：角色 “{post.role}” 不存在", f"{'、'.join(ROLES)}之一", "role")


def _activity(c: _Checker, activity: Activity) -> None:
    label, src, line = f"活动 {activity.id}", activity.source, activity.line
    content = c.content
    if not activity.community and not activity.team:
        c.add(src, line, f"{label}：community 和 team 都没有填写", "社区 id、志愿服务队 id，或两者都填")
    c.ref(src, line, label, "社区", activity.community, content.communities, "community")
    c.ref(src, line, label, "志愿服务队", activity.team, c.teams, "team")
    c.ref(src, line, label, "类别", activity.category, content.categories, "category")
    if activity.id in RESERVED_ACTIVITY_IDS:
        c.add(src, line, f"{label}：id “{activity.id}” 是活动日历的保留名称", "以活动日期开头的 id，例如 2026-05-15-yangguang")
    _activity_when(c, activity, label)
    for code in activity.posts:
        if code not in content.posts and c.post_unknown(code):
            continue
        c.ref(src, line, label, "岗位", code, content.posts, "posts")
        post = content.posts.get(code)
        if post and activity.community and post.community != activity.community:
            c.add(src, line, f"{label}：岗位 {code} 属于社区 {post.community}，不属于 {activity.community}",
                  f"本活动所在社区的岗位（{content.communities[activity.community].code}-…）"
                  if activity.community in content.communities else "本活动所在社区的岗位", "posts")


def _activity_when(c: _Checker, activity: Activity, label: str) -> None:
    src, line, site = activity.source, activity.line, c.content.site
    if activity.occasion and activity.occasion not in OCCASIONS:
        c.add(src, line, f"{label}：活动类型 “{activity.occasion}” 不存在", f"{'、'.join(OCCASIONS)}之一", "occasion")
    elif activity.occasion == OCCASIONS[0] and c.site_known and activity.date.day not in site.activity_days:
        days = "、".join(f"{day}日" for day in site.activity_days)
        c.add(src, line, f"{label}：活动类型是{OCCASIONS[0]}，但 {activity.date} 不是党员活动日",
              f"每月{days}中的一天（见 site.yaml 的 activity_days），或改用其他活动类型", "date")
    dated = re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", activity.id)
    if dated and dated.group() != activity.date.isoformat():
        c.add(src, line, f"{label}：id 中的日期是 {dated.group()}，但字段 date 是 {activity.date}",
              "以活动日期开头的 id（或与 id 一致的日期）", "date")
    if activity.end <= activity.start:
        c.add(src, line, f"{label}：结束时间 {activity.end:%H:%M} 不晚于开始时间 {activity.start:%H:%M}",
              "同一天内晚于开始时间的结束时间", "end")
    if c.site_known and not site.year - 1 <= activity.date.year <= site.year + 1:
        c.add(src, line, f"{label}：日期 {activity.date} 离活动年度 {site.year} 太远",
              f"{site.year - 1}–{site.year + 1} 年内的日期", "date")
    if activity.end > activity.start and not 0 < activity.hours <= 24:
        c.add(src, line, f"{label}：字段 hours 的值为 {activity.hours:g}", "大于 0、不超过 24 的计划小时数", "hours")


def _story(c: _Checker, story: Story) -> None:
    label, src, line = f"典型案例 {story.slug}", story.source, story.line
    content = c.content
    c.ref(src, line, label, "社区", story.community, content.communities, "community")
    c.ref(src, line, label, "志愿服务队", story.team, c.teams, "team")
    if not story.draft and story.summary == SUMMARY_PLACEHOLDER:
        c.add(src, line, f"{label}：摘要（summary）还是 `site-builder new story` 生成的占位文字",
              "发布前换成你自己写的一两句话", "summary")
    if story.slug in RESERVED_STORY_SLUGS:
        c.add(src, line, f"{label}：文件名 “{story.slug}.md” 是保留名称", "另一个文件名")
    for tag in story.tags:
        if not tag or "/" in tag or tag != tag.strip() or not tag.strip(". "):  # `..` would leave /stories/tag/
            c.add(src, line, f"{label}：标签 “{tag}” 不能用作网址的一部分",
                  "不含 “/”、首尾没有空格、不只由 “.” 组成的标签", "tags")
    for member in story.members:
        who = f"{label}：党员 {member.name}"
        c.ref(src, line, who, "部门", member.department, content.departments, "members")
        if member.consent > (story.publish_date or story.date):
            c.add(src, line, f"{who}：同意记录日期 {member.consent} 晚于案例发布日期",
                  "在案例的 date（或 publish_date）当天或之前记录的本人同意", "members")


def check_story_links(content: Content, urls: set[str]) -> list[Problem]:
    """A story linking to a page that does not exist: one Problem per broken link, at its line."""
    images = {"/" + image.src for story in content.stories.values() for image in story.images}
    known = set(urls) | images | set(NON_PAGE_FILES)
    known |= {f"/communities/{cid}/activities.ics" for cid in content.communities}
    unsure = unread_pages(content.unreadable)
    problems = []
    for story in content.stories.values():
        for target, line in story.links:
            path = unquote(urlsplit(target).path)
            if path in known or path + "/" in known or (path.endswith("/") and path + "index.html" in known):
                continue
            if path.startswith(unsure):  # a page an unreadable file would make (that file is reported)
                continue
            problems.append(Problem(rel(Path(content.root) / story.source), line,
                                    f"典型案例 {story.slug}：链接 “{target}” 指向的页面不存在",
                                    f"站内路径，例如 {_suggest(path, urls)}"))
    return problems


def unread_pages(unreadable: Collection[str]) -> tuple[str, ...]:
    """Site paths (prefixes) of the pages files that could not be read would have made."""
    prefixes: list[str] = []
    for source in sorted(unreadable):
        stem = Path(source).stem
        if source == "communities.yaml":
            prefixes += ["/communities/", "/posts/", "/activities/community/", "/stories/community/", "/honour/community/"]
        elif source == "categories.yaml":
            prefixes.append("/posts/category/")
        elif source.startswith("posts/"):
            prefixes += ["/posts/", f"/communities/{stem}/"]
        elif source.startswith("activities/"):
            prefixes.append("/activities/")
        elif source.startswith("teams/"):
            prefixes += [f"/teams/{stem}/", f"/activities/team/{stem}/", f"/stories/team/{stem}/"]
        elif source.startswith("stories/"):
            prefixes += [f"/stories/{stem}/", "/stories/tag/"]
    return tuple(prefixes)


def _suggest(path: str, urls: set[str]) -> str:
    """The existing page whose url shares the longest prefix with the broken one."""
    if not urls:
        return "/communities/"
    best = max(sorted(urls), key=lambda url: (_common(url, path), -len(url)))
    return best


def _common(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n
