"""The residents' search index: /search.json, read by theme/static/js/search.js on /search/ (owner: rendering stage).

Chinese needs no word segmentation for this: the script matches every query term as a substring of
an entry's title and text. Entries are public content only (communities, posts, teams, activities
still to come, stories); the file is not precached, so it may grow with the stories.
"""

from __future__ import annotations

import datetime as dt
import json

from site_builder.model import Content

SUMMARY_CHARS = 120


def entry(kind: str, url: str, title: str, text: str) -> dict[str, str]:
    return {"k": kind, "u": url, "t": title, "x": " ".join(text.split())[:SUMMARY_CHARS]}


def entries(content: Content, today: dt.date) -> list[dict[str, str]]:
    found = [entry("社区", f"/communities/{c.id}/", c.name, f"{c.street} {c.description}")
             for c in content.communities.values()]
    for post in sorted(content.posts.values(), key=lambda p: p.code):
        community = content.communities[post.community].name
        category = content.categories[post.category].name
        found.append(entry("服务岗位", f"/posts/{post.code}/", post.title,
                           f"{post.code} {community} {category} {post.duties} {post.schedule} {post.place}"))
    found += [entry("志愿服务队", f"/teams/{t.id}/", t.name, f"{t.summary} {' '.join(s.name for s in t.services)}")
              for t in content.teams.values()]
    for activity in content.activities.values():
        if activity.date >= today:
            when = f"{activity.date.month}月{activity.date.day}日"
            found.append(entry("活动", f"/activities/{activity.id}/", activity.title,
                               f"{when} {activity.place} {activity.description}"))
    found += [entry("典型案例", f"/stories/{s.slug}/", s.title, f"{s.summary} {' '.join(s.tags)}")
              for s in sorted(content.stories.values(), key=lambda s: (s.date, s.slug), reverse=True)]
    return found


def index(content: Content, today: dt.date) -> bytes:
    """search.json: {"base": base path, "entries": [{k: kind, u: site path, t: title, x: text}, …]}."""
    data = {"base": content.site.base_path, "entries": entries(content, today)}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
