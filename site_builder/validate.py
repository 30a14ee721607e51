"""Cross-reference validation of the loaded content: every reference resolves, codes are consistent,
dates and rules make sense. Runs after content.load (which reports problems within one entry) and
returns every problem found; nothing is raised here.

Each problem is located at the field it concerns (or its entry):
`content/posts/yangguang.yaml:14: post 'YG-ZC-01': unknown category 'ZC9'; expected one of ZC, HJ, …`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Collection
from urllib.parse import unquote, urlsplit

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
# Site files that are not pages but may be linked from a story.
NON_PAGE_FILES = ("/feed.xml", "/activities.ics", "/sitemap.xml", "/robots.txt")


class _Checker:
    def __init__(self, content: Content):
        self.content = content
        self.problems: list[Problem] = []
        self.lines = _KeyLines(Path(content.root))

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
            self.add(source, line, f"{label}: unknown {what} '{value}'", one_of(value, list(valid)), key)


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


def validate(content: Content) -> list[Problem]:
    checker = _Checker(content)
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
    return checker.problems


def _privacy(c: _Checker) -> None:
    """No mobile phone or ID number in any public text (stories are checked as they load: stories.py)."""
    content = c.content
    texts = [(x.source, x.line, f"community '{x.id}'", key, getattr(x, key))
             for x in content.communities.values() for key in ("phone", "address", "description")]
    texts += [(x.source, x.line, f"post '{x.code}'", key, getattr(x, key))
              for x in content.posts.values() for key in ("duties", "schedule", "place")]
    texts += [(x.source, x.line, f"activity '{x.id}'", key, getattr(x, key))
              for x in content.activities.values() for key in ("place", "organiser", "description")]
    texts += [(x.source, x.line, f"team '{x.id}'", key, getattr(x, key))
              for x in content.teams.values() for key in ("summary", "body_html")]
    for source, line, label, key, text in texts:
        for number, what in personal_numbers(text):
            where = c.lines.text_line(source, number) if key.startswith("body") else line
            field = "the text" if key.startswith("body") else f"'{key}'"
            c.add(source, where, f"{label}: {field} holds {what} ({number[:3]}…)", EXPECTED,
                  None if key.startswith("body") else key)


def _communities(c: _Checker) -> None:
    key = [community for community in c.content.communities.values() if community.key]
    if len(key) > KEY_COMMUNITIES:
        c.add("communities.yaml", key[KEY_COMMUNITIES].line, f"{len(key)} communities are marked key: true",
              f"at most the {KEY_COMMUNITIES} key communities the 实施方案 names", "key")
    codes: dict[str, Community] = {}
    for community in c.content.communities.values():
        label, src, line = f"community '{community.id}'", community.source, community.line
        for code in community.liaison:
            c.ref(src, line, label, "liaison department", code, c.content.departments, "liaison")
        if not community.key and not community.liaison:
            c.add(src, line, f"{label}: not a key community and no liaison departments",
                  "'liaison: [D05, …]' naming the departments that 包抓 it")
        if community.code in codes:
            c.add(src, line, f"{label}: code '{community.code}' is also used by '{codes[community.code].id}'",
                  "a code unique to each community (it prefixes post codes)", "code")
        codes.setdefault(community.code, community)
    _post_files(c)


def _post_files(c: _Checker) -> None:
    for source in sorted({post.source for post in c.content.posts.values()}):
        stem = Path(source).stem
        if c.content.communities and stem not in c.content.communities:
            c.add(source, 1, f"file name '{Path(source).name}' is not a community id",
                  f"posts/<community id>.yaml, one of {shorten(list(c.content.communities))}")


def _team(c: _Checker, team: Team) -> None:
    label, src, line = f"team '{team.id}'", team.source, team.line
    for code in team.lead_departments:
        c.ref(src, line, label, "lead department", code, c.content.departments, "lead_departments")
    for community in team.communities:
        c.ref(src, line, label, "community", community, c.content.communities, "communities")
    for service in team.services:
        c.ref(src, line, f"{label}: service {service.name}", "category", service.category, c.content.categories,
              "services")
    if not team.services:
        c.add(src, line, f"{label}: no services", "at least one entry under 'services'", "services")


def _post(c: _Checker, post: Post) -> None:
    label, src, line = f"post '{post.code}'", post.source, post.line
    c.ref(src, line, label, "category", post.category, c.content.categories, "category")
    community = c.content.communities.get(post.community)
    prefix, middle, _ = post.code.split("-")
    if community and prefix != community.code:
        c.add(src, line, f"{label}: code starts with '{prefix}' but the file is {community.name}'s",
              f"codes starting with '{community.code}-' in posts/{post.community}.yaml", "code")
    if post.category and middle != post.category:
        c.add(src, line, f"{label}: code names category '{middle}' but 'category' is '{post.category}'",
              f"code {prefix}-{post.category}-nn or category {middle}", "category")
    if post.role and post.role not in ROLES:
        c.add(src, line, f"{label}: unknown role '{post.role}'", f"one of {', '.join(ROLES)}", "role")


def _activity(c: _Checker, activity: Activity) -> None:
    label, src, line = f"activity '{activity.id}'", activity.source, activity.line
    content = c.content
    if not activity.community and not activity.team:
        c.add(src, line, f"{label}: neither 'community' nor 'team' is given", "a community id, a team id or both")
    c.ref(src, line, label, "community", activity.community, content.communities, "community")
    c.ref(src, line, label, "team", activity.team, content.teams, "team")
    c.ref(src, line, label, "category", activity.category, content.categories, "category")
    _activity_when(c, activity, label)
    for code in activity.posts:
        c.ref(src, line, label, "post", code, content.posts, "posts")
        post = content.posts.get(code)
        if post and activity.community and post.community != activity.community:
            c.add(src, line, f"{label}: post {code} belongs to '{post.community}', not '{activity.community}'",
                  f"posts of the activity's community ({content.communities[activity.community].code}-…)"
                  if activity.community in content.communities else "posts of the activity's community", "posts")


def _activity_when(c: _Checker, activity: Activity, label: str) -> None:
    src, line, site = activity.source, activity.line, c.content.site
    if activity.occasion and activity.occasion not in OCCASIONS:
        c.add(src, line, f"{label}: unknown occasion '{activity.occasion}'", f"one of {', '.join(OCCASIONS)}", "occasion")
    elif activity.occasion == OCCASIONS[0] and activity.date.day not in site.activity_days:
        days = "、".join(f"{day}日" for day in site.activity_days)
        c.add(src, line, f"{label}: {OCCASIONS[0]} on {activity.date}, not a party member activity day",
              f"a date on the {days} of the month (site.yaml activity_days) or another occasion", "date")
    dated = re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", activity.id)
    if dated and dated.group() != activity.date.isoformat():
        c.add(src, line, f"{label}: the id says {dated.group()} but 'date' is {activity.date}",
              "an id that starts with the activity's date (or a date that matches the id)", "date")
    if activity.end <= activity.start:
        c.add(src, line, f"{label}: ends at {activity.end:%H:%M}, not after it starts at {activity.start:%H:%M}",
              "an end time later than the start on the same day", "end")
    if not site.year - 1 <= activity.date.year <= site.year + 1:
        c.add(src, line, f"{label}: date {activity.date} is far from the programme year {site.year}",
              f"a date in {site.year - 1}–{site.year + 1}", "date")
    if activity.end > activity.start and not 0 < activity.hours <= 24:
        c.add(src, line, f"{label}: 'hours' is {activity.hours:g}", "planned hours above 0 and at most 24", "hours")


def _story(c: _Checker, story: Story) -> None:
    label, src, line = f"story '{story.slug}'", story.source, story.line
    content = c.content
    c.ref(src, line, label, "community", story.community, content.communities, "community")
    c.ref(src, line, label, "team", story.team, content.teams, "team")
    if not story.draft and story.summary == SUMMARY_PLACEHOLDER:
        c.add(src, line, f"{label}: the summary is still the placeholder from `site-builder new story`",
              "one or two sentences of your own before the story is published", "summary")
    if story.slug in RESERVED_STORY_SLUGS:
        c.add(src, line, f"{label}: the file name '{story.slug}.md' is reserved", "another file name")
    for tag in story.tags:
        if not tag or "/" in tag or tag != tag.strip():
            c.add(src, line, f"{label}: tag '{tag}' cannot be part of an address",
                  "tags without '/' or spaces at the ends", "tags")
    for member in story.members:
        who = f"{label}: member {member.name}"
        c.ref(src, line, who, "department", member.department, content.departments, "members")
        if member.consent > (story.publish_date or story.date):
            c.add(src, line, f"{who}: consent recorded {member.consent}, after the story is published",
                  "consent recorded before the story's date or publish_date", "members")


def check_story_links(content: Content, urls: set[str]) -> list[Problem]:
    """A story linking to a page that does not exist: one Problem per broken link, at its line."""
    images = {"/" + image.src for story in content.stories.values() for image in story.images}
    known = set(urls) | images | set(NON_PAGE_FILES)
    known |= {f"/communities/{cid}/activities.ics" for cid in content.communities}
    problems = []
    for story in content.stories.values():
        for target, line in story.links:
            path = unquote(urlsplit(target).path)
            if path in known or path + "/" in known or (path.endswith("/") and path + "index.html" in known):
                continue
            problems.append(Problem(rel(Path(content.root) / story.source), line,
                                    f"story '{story.slug}': link to '{target}', a page that does not exist",
                                    f"a site path such as {_suggest(path, urls)}"))
    return problems


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
