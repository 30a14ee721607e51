"""Public, anonymous figures from the ledger, in the shape docs/design.md "Public figures" describes.

Counts of people in a group smaller than site.yaml privacy.min_group are None (shown as “不足N人”),
and so are that group's activities and hours, which would otherwise describe the few people in it.
The honour roll names only members whose registration recorded consent.honour_roll = true.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Iterable
from pathlib import Path

from site_builder import rules
from site_builder.ledger import snapshot as ledger_snapshot
from site_builder.ledger.snapshot import CheckIn
from site_builder.model import Content
from site_builder import facts as year_facts
from site_builder.facts import stars
from site_builder.facts import MemberFacts, YearFacts


def public_figures(content: Content, ledger: Path, today: dt.date) -> dict | None:
    """Figures for the public site, or None when there is no ledger file or it holds no records yet."""
    if not Path(ledger).exists():
        return None
    snap = ledger_snapshot.read(Path(ledger))
    if snap.as_of is None:
        return None
    return figures_from(content, year_facts.year_facts(content, snap, today), snap.as_of)


def beijing(stamp: str | None) -> str | None:
    """The ledger's timestamp in Beijing time, so the site shows the date people there lived."""
    return rules.beijing_stamp(stamp)


def figures_from(content: Content, facts: YearFacts, as_of: str | None) -> dict:
    least = content.site.min_group
    reported = facts.reported()
    groups = Groups.of(content, facts, reported)
    return {
        "as_of": beijing(as_of),
        "min_group": least,
        "totals": _totals(facts, reported, least),
        "communities": {cid: _community(cid, groups, least) for cid in content.communities},
        "teams": {tid: _team(tid, groups, least) for tid in content.teams},
        "stars": _stars(reported, content.site.targets.star_hours, least),
        "star_hours": list(content.site.targets.star_hours),
        "honour_roll": honour_roll(content, reported),
    }


@dataclass(frozen=True)
class Groups:
    """Check-ins, reported members, posts and claims grouped in one pass each, so every community, team
    and post is a lookup instead of another pass over all members or check-ins."""

    checkins_by_community: dict[str | None, list[CheckIn]]
    checkins_by_team: dict[str | None, list[CheckIn]]
    members_by_community: Counter
    posts_by_community: dict[str, list[str]]  # post codes in content order
    claimed: Counter  # post code -> members who claimed it

    @staticmethod
    def of(content: Content, facts: YearFacts, reported: list[MemberFacts]) -> Groups:
        by_community: dict[str | None, list[CheckIn]] = {}
        by_team: dict[str | None, list[CheckIn]] = {}
        for checkin in facts.checkins:  # in order, so sums of hours add up exactly as before
            by_community.setdefault(checkin.community, []).append(checkin)
            by_team.setdefault(checkin.team, []).append(checkin)
        posts: dict[str, list[str]] = {}
        for post in content.posts.values():
            posts.setdefault(post.community, []).append(post.code)
        claimed = Counter(code for m in facts.members.values() for code in set(m.posts))
        return Groups(by_community, by_team, Counter(m.community for m in reported), posts, claimed)


def shown(count: int, least: int) -> int | None:
    """A count of people, or None when the group is smaller than the minimum shown."""
    return count if count >= least else None


def _group(members: int, activities: int, hours: Iterable[float], least: int) -> dict:
    visible = members >= least
    return {
        "members": members if visible else None,
        "activities": activities if visible else None,
        "hours": rules.hours_sum(hours) if visible else None,
    }


def _totals(facts: YearFacts, reported: list[MemberFacts], least: int) -> dict:
    group = _group(len(reported), len({c.activity for c in facts.checkins}),
                   [c.hours for c in facts.checkins], least)
    places = sum(len(m.posts) for m in facts.members.values())
    group["claims"] = places if len(reported) >= least else None
    return group


def _community(cid: str, groups: Groups, least: int) -> dict:
    here = groups.checkins_by_community.get(cid, [])
    group = _group(groups.members_by_community[cid], len({c.activity for c in here}), [c.hours for c in here], least)
    group["posts"] = {code: shown(groups.claimed[code], least) for code in groups.posts_by_community.get(cid, [])}
    return group


def _team(tid: str, groups: Groups, least: int) -> dict:
    here = groups.checkins_by_team.get(tid, [])
    return _group(len({c.card for c in here}), len({c.activity for c in here}), [c.hours for c in here], least)


def _stars(reported: list[MemberFacts], thresholds: tuple[int, ...], least: int) -> list[dict]:
    counts = [0] * (len(thresholds) + 1)
    for m in reported:
        counts[m.star] += 1
    return [{"level": lv, "label": stars.label(lv), "count": shown(n, least)} for lv, n in enumerate(counts)]


def honour_roll(content: Content, reported: list[MemberFacts]) -> list[dict]:
    """Consenting members who met the year's activity target (活动不少于N次): name, department, community, deeds."""
    roll = []
    order = {code: i for i, code in enumerate(content.departments)}
    for m in sorted(reported, key=lambda m: (order.get(m.department, len(order)), m.department, m.name, m.card)):
        if not m.consents_honour_roll or m.activities < content.site.targets.activities_per_member:
            continue
        department = content.departments.get(m.department)
        community = content.communities.get(m.community or "")
        roll.append({
            "name": m.name,
            "department": department.name if department else "",
            "community": community.name if community else "",
            "deeds": deeds(content, m),
        })
    return roll  # departments in departments.yaml order, then names


def deeds(content: Content, member: MemberFacts) -> str:
    """认领岗位 and number of activities joined; never hours or grades."""
    parts = []
    titles = [content.posts[code].title for code in member.posts if code in content.posts]
    if titles:
        parts.append("认领" + "、".join(titles))
    if member.activities:
        parts.append(f"参加志愿服务活动{member.activities}次")
    return "；".join(parts)
