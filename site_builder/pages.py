"""Collects every page of the public site as Page values (owner: rendering stage).

One function per kind of page; each returns Page values whose `context` holds exactly what its template
needs beyond the globals (docs/design.md, "Templates"). Nothing here renders or writes. The offline
app's form pages come from app.py.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Iterable, Sequence

from site_builder import duties, rules
from site_builder.model import Activity, Community, Content, Post, Story

STORIES_PER_PAGE = 10
HOME_ACTIVITIES = 6
HOME_STORIES = 4
CALENDAR_MONTHS = 2  # the calendar's first page: activities to come this month and next month
PAST_SHOWN = 5  # community and team pages: the latest past activities, the rest on their calendar page
RECENT_PAST = 10  # /activities/past/: the latest past activities before the list of months
# Calendar pages under /activities/ that are not activities (validate.py refuses these as activity ids).
CALENDAR_SEGMENTS = ("month", "past", "community", "team")


@dataclass
class Page:
    url: str  # site-relative, starts with "/", ends with "/" for directory pages ("/communities/yangguang/") or a file name ("/404.html")
    template: str  # template name under theme/templates/
    title: str
    description: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    in_sitemap: bool = True
    precache: bool = False  # the offline app keeps it available without network
    precache_files: tuple[str, ...] = ()  # output paths of files it links to that are kept with it (event.ics)

    @property
    def output_path(self) -> str:
        path = self.url.lstrip("/")
        return path + "index.html" if path == "" or path.endswith("/") else path


@dataclass(frozen=True)
class Month:
    """Activities of one calendar month, for the calendar templates."""

    first_day: dt.date
    activities: tuple[Activity, ...]

    @property
    def url(self) -> str:
        return month_url(self.first_day)


def month_url(day: dt.date) -> str:
    """The calendar page of a month: /activities/month/2026-05/."""
    return f"/activities/month/{day.year:04d}-{day.month:02d}/"


def collect(content: Content, figures: dict | None, today: dt.date) -> list[Page]:
    """Every public page, in a stable order."""
    shelves = Shelves.of(content)
    return [
        home(content, figures, today),
        *community_pages(content, figures, today, shelves),
        *post_pages(content, figures, today),
        *team_pages(content, figures, today, shelves),
        *activity_pages(content, today),
        *story_pages(content, shelves),
        *honour_pages(content, figures),
        about(content),
        duty_page(content, today),
        Page(url="/search/", template="search.html", title="搜索",
             description="搜索社区、服务岗位、志愿服务队、活动和典型案例", precache=True),
        not_found(),
    ]


# ---- helpers -------------------------------------------------------------------------------------

@dataclass
class Shelves:
    """The stories newest first, and grouped by tag, community and team (each list newest first)."""

    newest: list[Story]
    tags: dict[str, list[Story]]
    communities: dict[str, list[Story]]
    teams: dict[str, list[Story]]

    @classmethod
    def of(cls, content: Content) -> "Shelves":
        newest = newest_first(content.stories.values())
        shelves = cls(newest, {}, {}, {})
        for story in newest:  # one pass keeps each list in the newest-first order
            for tag in dict.fromkeys(story.tags):
                shelves.tags.setdefault(tag, []).append(story)
            if story.community:
                shelves.communities.setdefault(story.community, []).append(story)
            if story.team:
                shelves.teams.setdefault(story.team, []).append(story)
        return shelves


def tag_slug(tag: str) -> str:
    """A tag as a URL segment: the tag itself (Chinese stays), without slashes or blanks."""
    return re.sub(r"[\s/\\?#%]+", "-", tag.strip()).strip("-") or "-"


def upcoming(activities: Iterable[Activity], today: dt.date) -> list[Activity]:
    return sorted((a for a in activities if a.date >= today), key=lambda a: (a.starts_at, a.id))


def past(activities: Iterable[Activity], today: dt.date) -> list[Activity]:
    return sorted((a for a in activities if a.date < today), key=lambda a: (a.starts_at, a.id), reverse=True)


def by_month(activities: Sequence[Activity]) -> list[Month]:
    """Consecutive activities grouped by month, keeping their order."""
    return [Month(first_day=day, activities=tuple(group))
            for day, group in groupby(activities, key=lambda a: a.date.replace(day=1))]


def newest_first(stories: Iterable[Story]) -> list[Story]:
    return rules.newest_first(stories)


def figures_part(figures: dict | None, part: str, key: str) -> dict | None:
    """figures[part][key], or None when there are no figures or nothing for this key."""
    if not figures:
        return None
    return (figures.get(part) or {}).get(key)


def pager_window(number: int, count: int, around: int = 2) -> list[int | None]:
    """Page numbers a pager shows: first, last and `around` either side of the current; None is a gap."""
    shown = sorted({1, count, *range(max(1, number - around), min(count, number + around) + 1)})
    window: list[int | None] = []
    for n in shown:
        if window and n - window[-1] > 1:
            window.append(None)
        window.append(n)
    return window


def paginated(base: str, stories: Sequence[Story], template: str, title: str, description: str,
              context: dict[str, Any]) -> list[Page]:
    """A story list split into pages of STORIES_PER_PAGE: base, base + "page/2/", …"""
    chunks = [stories[i:i + STORIES_PER_PAGE] for i in range(0, len(stories), STORIES_PER_PAGE)] or [[]]
    urls = [base] + [f"{base}page/{n}/" for n in range(2, len(chunks) + 1)]
    pages = []
    published = not stories or any(not s.preview for s in stories)  # a list of drafts alone: not in the sitemap
    for number, (url, chunk) in enumerate(zip(urls, chunks), start=1):
        heading = title if number == 1 else f"{title}（第{number}页）"
        pages.append(Page(url=url, template=template, title=heading, description=description, in_sitemap=published,
                          context={
            **context, "stories": list(chunk), "heading": title,
            "pagination": {"number": number, "count": len(chunks), "urls": urls,
                           "window": pager_window(number, len(chunks))},
        }))
    return pages


# ---- pages ---------------------------------------------------------------------------------------

def home(content: Content, figures: dict | None, today: dt.date) -> Page:
    return Page(url="/", template="home.html", title=content.site.title,
                description=content.site.description or content.site.subtitle, precache=True, context={
                    "next_activities": upcoming(content.activities.values(), today)[:HOME_ACTIVITIES],
                    "latest_stories": newest_first(content.stories.values())[:HOME_STORIES],
                    "totals": (figures or {}).get("totals"),
                })


def community_pages(content: Content, figures: dict | None, today: dt.date,
                    shelves: Shelves | None = None) -> list[Page]:
    shelves = shelves or Shelves.of(content)
    communities = list(content.communities.values())
    index = Page(url="/communities/", template="communities.html", title="社区",
                 description=f"{content.site.district}{len(communities)}个社区：在职党员报到的重点社区和部门联系包抓的社区",
                 precache=True, context={
                     "key_communities": [c for c in communities if c.key],
                     "liaison_communities": [c for c in communities if not c.key],
                 })
    return [index] + [community_page(content, figures, today, c, shelves) for c in communities]


def community_page(content: Content, figures: dict | None, today: dt.date, community: Community,
                   shelves: Shelves | None = None) -> Page:
    shelves = shelves or Shelves.of(content)
    activities = [a for a in content.activities.values() if a.community == community.id]
    posts = content.posts_of(community.id)
    return Page(url=f"/communities/{community.id}/", template="community.html", title=community.name,
                description=community.description or f"{community.name}的服务岗位、志愿服务活动和典型案例",
                precache=True, context={
                    "community": community,
                    "posts_by_category": posts_by_category(content, posts),
                    "post_count": len(posts),
                    "upcoming": upcoming(activities, today),
                    "past": past(activities, today)[:PAST_SHOWN],
                    "past_count": len(past(activities, today)),
                    "calendar_url": f"/activities/community/{community.id}/" if activities else None,
                    "stories": list(shelves.communities.get(community.id, [])),
                    "stats": figures_part(figures, "communities", community.id),
                    "claimed": claimed_places(content, figures),
                    "teams": [t for t in content.teams.values() if community.id in t.communities],
                    **duties.of_community(content, community.id, today),
                })


def posts_by_category(content: Content, posts: Iterable[Post]) -> list[tuple[Any, list[Post]]]:
    """[(Category, [Post, …]), …] in categories.yaml order, categories without posts left out."""
    posts = list(posts)
    groups = []
    for category in content.categories.values():
        members = sorted((p for p in posts if p.category == category.code), key=lambda p: p.code)
        if members:
            groups.append((category, members))
    return groups


def post_pages(content: Content, figures: dict | None, today: dt.date | None = None) -> list[Page]:
    """The catalogue: an overview by community and category at /posts/, then one page per community
    (the catalogue paginated by community, previous and next community linked), one per category, one per post."""
    posts = sorted(content.posts.values(), key=lambda p: p.code)
    claimed = claimed_places(content, figures)
    common = {"claimed": claimed}
    shelf = [c for c in content.communities.values() if content.posts_of(c.id)]
    overview = [{"community": c, "count": len(content.posts_of(c.id)),
                 "categories": [cat for cat in content.categories.values()
                                if any(p.category == cat.code for p in content.posts_of(c.id))]} for c in shelf]
    pages = [Page(url="/posts/", template="posts.html", title="服务岗位",
                  description=f"全区{len(posts)}个在职党员志愿服务岗位，按社区和类别查看", precache=True,
                  context={**common, "posts": [], "filter": None, "overview": overview, "total": len(posts),
                           "sequence": None})]
    for category in content.categories.values():
        subset = [p for p in posts if p.category == category.code]
        pages.append(Page(url=f"/posts/category/{category.code}/", template="posts.html",
                          title=f"服务岗位：{category.name}", description=category.description or f"{category.name}类服务岗位",
                          precache=True, context={**common, "posts": subset, "filter": ("category", category.code),
                                                  "overview": None, "total": len(posts), "sequence": None}))
    for community in content.communities.values():
        subset = [p for p in posts if p.community == community.id]
        pages.append(Page(url=f"/posts/community/{community.id}/", template="posts.html",
                          title=f"服务岗位：{community.name}", description=f"{community.name}的服务岗位",
                          precache=True, context={**common, "posts": subset, "filter": ("community", community.id),
                                                  "overview": None, "total": len(posts),
                                                  "sequence": neighbours(shelf, community)}))
    for post in posts:
        pages.append(post_page(content, post, claimed.get(post.code), today))
    return pages


def neighbours(shelf: Sequence[Community], community: Community) -> dict[str, Any] | None:
    """Where a community's page stands among the communities with posts: number, count, previous, next."""
    ids = [c.id for c in shelf]
    if community.id not in ids:
        return None
    i = ids.index(community.id)
    return {"number": i + 1, "count": len(shelf), "previous": shelf[i - 1] if i > 0 else None,
            "next": shelf[i + 1] if i + 1 < len(shelf) else None}


def claimed_places(content: Content, figures: dict | None) -> dict[str, dict]:
    """Post code -> its places against approved claims ({"full", "approved", "waiting"}, counts None when
    suppressed for privacy; ledger/claims.public); only posts the figures mention."""
    claimed: dict[str, dict] = {}
    for community in content.communities:
        stats = figures_part(figures, "communities", community) or {}
        claimed.update(stats.get("posts") or {})
    return claimed


def post_page(content: Content, post: Post, claimed: dict | None, today: dt.date | None = None) -> Page:
    community = content.communities[post.community]
    activities = [a for a in content.activities.values() if post.code in a.posts]
    day = today or dt.date.min
    return Page(url=f"/posts/{post.code}/", template="post.html", title=f"{post.title}（{post.code}）",
                description=f"{community.name} · {content.categories[post.category].name}：{post.duties}",
                precache=True, context={"post": post, "community": community,
                                        "category": content.categories[post.category],
                                        "claimed": claimed, "activities": upcoming(activities, day),
                                        "past": past(activities, day)[:PAST_SHOWN]})


def team_pages(content: Content, figures: dict | None, today: dt.date, shelves: Shelves | None = None) -> list[Page]:
    shelves = shelves or Shelves.of(content)
    teams = list(content.teams.values())
    pages = [Page(url="/teams/", template="teams.html", title="志愿服务队",
                  description=f"{len(teams)}支党员志愿服务队及其牵头部门和服务项目", precache=True,
                  context={"teams": teams})]
    for team in teams:
        activities = [a for a in content.activities.values() if a.team == team.id]
        pages.append(Page(url=f"/teams/{team.id}/", template="team.html", title=team.name,
                          description=team.summary, precache=True, context={
                              "team": team,
                              "upcoming": upcoming(activities, today),
                              "past": past(activities, today)[:PAST_SHOWN],
                              "past_count": len(past(activities, today)),
                              "calendar_url": f"/activities/team/{team.id}/" if activities else None,
                              "stories": list(shelves.teams.get(team.id, [])),
                              "stats": figures_part(figures, "teams", team.id),
                          }))
    return pages


def activity_pages(content: Content, today: dt.date) -> list[Page]:
    """The calendar, split so that a phone never scrolls through the year: /activities/ holds what is to
    come this month and next; every month has its page (/activities/month/2026-05/); past activities have
    their own page (/activities/past/); every community and team with activities has its calendar
    (/activities/community/<id>/, /activities/team/<id>/), to come first, then past (newest first)."""
    activities = list(content.activities.values())
    coming, gone = upcoming(activities, today), past(activities, today)
    horizon = add_months(today.replace(day=1), CALENDAR_MONTHS)
    months = month_links(content, activities, today)
    shared = {"months": months, "choices": calendar_choices(content, activities)}
    days = "、".join(str(d) for d in content.site.activity_days)

    def calendar(url: str, title: str, description: str, kind: str, precache: bool, **context: Any) -> Page:
        base: dict[str, Any] = {"kind": kind, "heading": title, "upcoming_months": [], "past_months": [], "later": [],
                "recent_past": [], "past_links": [], "subject": None, "previous": None, "next": None}
        return Page(url=url, template="activities.html", title=title, description=description,
                    precache=precache, context={**shared, **base, **context})

    pages = [calendar("/activities/", "活动日历",
                      f"党员活动日（每月{days}日）、传统节日和纪念日的志愿服务活动：近期安排，按月份、社区和服务队查看",
                      "index", True, upcoming_months=by_month([a for a in coming if a.date < horizon]),
                      later=[m for m in months if m["first_day"] >= horizon and m["upcoming"]],
                      past_links=[m for m in reversed(months) if m["past"] == m["count"]])]
    pages.append(calendar("/activities/past/", "已开展的活动", "已经开展的志愿服务活动，按月份查看", "past",
                          False, recent_past=gone[:RECENT_PAST],
                          past_links=[m for m in reversed(months) if m["past"]]))
    grouped = by_month(sorted(activities, key=lambda a: (a.starts_at, a.id)))
    for i, month in enumerate(grouped):
        label = cn_month(month.first_day)
        to_come = [a for a in month.activities if a.date >= today]
        pages.append(calendar(month.url, f"{label}活动", f"{label}的志愿服务活动", "month", bool(to_come),
                              subject=month.first_day,
                              upcoming_months=[Month(month.first_day, tuple(to_come))] if to_come else [],
                              past_months=[Month(month.first_day, tuple(a for a in month.activities if a.date < today))],
                              previous=grouped[i - 1] if i > 0 else None,
                              next=grouped[i + 1] if i + 1 < len(grouped) else None))
    for kind, subjects in (("community", content.communities.values()), ("team", content.teams.values())):
        for subject in subjects:
            own = [a for a in activities if getattr(a, kind) == subject.id]
            if not own:
                continue
            own_past = past(own, today)
            pages.append(calendar(f"/activities/{kind}/{subject.id}/", f"{subject.name}的活动",
                                  f"{subject.name}的志愿服务活动：即将开展的和已开展的", kind, True, subject=subject,
                                  upcoming_months=by_month(upcoming(own, today)),
                                  past_months=by_month(own_past)))
    for activity in activities:
        pages.append(Page(url=f"/activities/{activity.id}/", template="activity.html", title=activity.title,
                          description=f"{activity.date.year}年{activity.date.month}月{activity.date.day}日 {activity.place}：{activity.description or activity.title}",
                          precache=activity.date >= today,  # members need what is still to come offline
                          precache_files=(f"activities/{activity.id}/event.ics",) if activity.date >= today else (),
                          context={"activity": activity, "is_past": activity.date < today,
                                   "month_url": month_url(activity.date)}))
    return pages


def cn_month(day: dt.date) -> str:
    return f"{day.year}年{day.month}月"


def add_months(first_day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after the month of first_day."""
    index = first_day.year * 12 + first_day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def month_links(content: Content, activities: Sequence[Activity], today: dt.date) -> list[dict[str, Any]]:
    """Every month with activities, in order: first day, url, short label (5月; with the year outside the
    programme year), how many activities and how many of them are past or to come."""
    counts: dict[dt.date, list[int]] = {}
    for a in activities:
        entry = counts.setdefault(a.date.replace(day=1), [0, 0])
        entry[0 if a.date < today else 1] += 1
    return [{"first_day": day, "url": month_url(day), "count": gone + coming, "past": gone, "upcoming": coming,
             "label": f"{day.month}月" if day.year == content.site.year else cn_month(day)}
            for day, (gone, coming) in sorted(counts.items())]


def calendar_choices(content: Content, activities: Sequence[Activity]) -> dict[str, list[Any]]:
    """Communities and teams that have activities, for the calendar's filter links."""
    communities = {a.community for a in activities if a.community}
    teams = {a.team for a in activities if a.team}
    return {"communities": [c for c in content.communities.values() if c.id in communities],
            "teams": [t for t in content.teams.values() if t.id in teams]}


def story_pages(content: Content, shelves: Shelves | None = None) -> list[Page]:
    shelves = shelves or Shelves.of(content)
    stories = shelves.newest
    pages = paginated("/stories/", stories, "stories.html", "典型案例",
                      "在职党员到社区志愿服务的典型案例和感人事迹", {"kind": "all", "subject": None})
    pages += [story_page(content, s) for s in stories]
    for tag in sorted(shelves.tags):
        tagged = shelves.tags[tag]
        pages += paginated(f"/stories/tag/{tag_slug(tag)}/", tagged, "stories.html", f"典型案例：{tag}",
                           f"标签“{tag}”下的典型案例", {"kind": "tag", "subject": tag})
    for community in content.communities.values():
        own = shelves.communities.get(community.id)
        if own:
            pages += paginated(f"/stories/community/{community.id}/", own, "stories.html",
                               f"典型案例：{community.name}", f"{community.name}的典型案例",
                               {"kind": "community", "subject": community})
    for team in content.teams.values():
        own = shelves.teams.get(team.id)
        if own:
            pages += paginated(f"/stories/team/{team.id}/", own, "stories.html", f"典型案例：{team.name}",
                               f"{team.name}的典型案例", {"kind": "team", "subject": team})
    return pages


def story_page(content: Content, story: Story) -> Page:
    return Page(url=f"/stories/{story.slug}/", template="story.html", title=story.title,
                description=story.summary, in_sitemap=not story.preview, context={"story": story})


def honour_pages(content: Content, figures: dict | None) -> list[Page]:
    """光荣榜: members who gave separate consent; from the ledger's figures, else from the stories.

    /honour/ groups them by community (names and departments; members without a community in full);
    /honour/community/<id>/ shows one community's members with their deeds."""
    if figures is not None:
        roll = list(figures.get("honour_roll") or [])
    else:
        roll = []
        for story in newest_first(content.stories.values()):
            for member in story.members:
                department = content.departments.get(member.department)
                roll.append({"name": member.name, "department": department.name if department else "",
                             "community": content.communities[story.community].name if story.community else "",
                             "deeds": member.deeds, "story": story})
    by_name = {c.name: c for c in content.communities.values()}
    groups: list[dict[str, Any]] = []
    for community in content.communities.values():
        members = [r for r in roll if r.get("community") == community.name]
        if members:
            groups.append({"community": community, "roll": members, "url": f"/honour/community/{community.id}/"})
    others = [r for r in roll if r.get("community") not in by_name]
    pages = [Page(url="/honour/", template="honour.html", title="光荣榜",
                  description="经本人书面同意公开的优秀在职党员志愿者，按社区查看",
                  context={"groups": groups, "others": others, "total": len(roll), "community": None, "roll": []})]
    for group in groups:
        community = group["community"]
        pages.append(Page(url=group["url"], template="honour.html", title=f"光荣榜：{community.name}",
                          description=f"光荣榜上{community.name}经本人书面同意公开的在职党员志愿者",
                          context={"groups": groups, "others": [], "total": len(roll), "community": community,
                                   "roll": group["roll"]}))
    return pages


def about(content: Content) -> Page:
    site = content.site
    return Page(url="/about/", template="about.html", title="活动规则",
                description=f"{site.district}在职党员到社区开展志愿服务群众活动的规则、时间和目标", precache=True,
                context={"deadline": rules.registration_deadline(site.year, site.targets.registration_deadline),
                         "stars": list(enumerate(site.targets.star_hours, start=1))})


def duty_page(content: Content, today: dt.date) -> Page:
    """/duty/: the 四大班子 leaders' 联系点 and the holiday duty of community staff to come (by role)."""
    return Page(url="/duty/", template="duty.html", title="领导联系点与节假日值班",
                description=f"{content.site.district}区级领导联系社区和社区节假日值班安排", precache=True, context={
                    "contact_points": sorted(content.contact_points, key=lambda p: (duties.BODIES.index(p.body)
                                             if p.body in duties.BODIES else 9, p.line)),
                    "rota": [s for s in content.rota if s.date >= today],
                })


def not_found() -> Page:
    return Page(url="/404.html", template="404.html", title="页面不存在", in_sitemap=False)
