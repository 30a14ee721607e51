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

from site_builder import disclosure, rules
from site_builder.ledger import claims
from site_builder.ledger import roster as roster_file
from site_builder.ledger import snapshot as ledger_snapshot
from site_builder.ledger.snapshot import CheckIn
from site_builder.model import Content
from site_builder import facts as year_facts
from site_builder.facts import stars
from site_builder.facts import MemberFacts, YearFacts


def public_figures(content: Content, ledger: Path, today: dt.date) -> dict | None:
    """Figures for the public site, or None when there is no ledger file or it holds no records yet. The
    honour roll's names come from the roster beside the ledger (data/roster.csv), never from a record."""
    if not Path(ledger).exists():
        return None
    snap = ledger_snapshot.read(Path(ledger))
    if snap.as_of is None:
        return None
    names = roster_names(Path(ledger).parent / roster_file.ROSTER_FILE)
    return figures_from(content, year_facts.year_facts(content, snap, today), snap.as_of, names, snap)


def roster_names(path: Path) -> dict[str, str]:
    """Card -> name in the roster (empty without one: then nobody is named publicly)."""
    members = roster_file.load(path)
    return {card: m.name for card, m in (members or {}).items() if m.name}


def beijing(stamp: str | None) -> str | None:
    """The ledger's timestamp in Beijing time, so the site shows the date people there lived."""
    return rules.beijing_stamp(stamp)


def figures_from(content: Content, facts: YearFacts, as_of: str | None, names: dict[str, str] | None = None,
                 snap: ledger_snapshot.Snapshot | None = None) -> dict:
    """The figures; `names` (card -> roster name) are the only names the honour roll may show; `snap` holds
    the desk's claim decisions (without it every claim is pending)."""
    least = content.site.min_group
    reported = facts.reported()
    groups = Groups.of(content, facts, reported, snap or ledger_snapshot.empty())
    figures = {
        "as_of": beijing(as_of),
        "min_group": least,
        "totals": _totals(facts, reported),
        "communities": {cid: _community(cid, groups) for cid in content.communities},
        "teams": {tid: _team(tid, groups) for tid in content.teams},
        "stars": _stars(reported, content.site.targets.star_hours),
        "star_hours": list(content.site.targets.star_hours),
        "honour_roll": honour_roll(content, reported, names or {}, groups.declined()),
    }
    return _suppress(figures, content, facts, reported, least)


WITHHELD = "withheld"  # a figure hidden so that a smaller group's cannot be worked out (shown “不公开”)


def _suppress(figures: dict, content: Content, facts: YearFacts, reported: list[MemberFacts], least: int) -> dict:
    """Hide every count of fewer than `least` people and what describes those few people (None, “不足N人”),
    then hide enough other figures that no hidden one can be worked out from the shown ones by sums and
    differences (WITHHELD, “不公开”; site_builder/disclosure.py, docs/reports.md "Suppression")."""
    hidden: dict = {}  # cell key (a tuple) -> SMALL | WITHHELD
    for system, floor in ((_member_cells, 2 * least - 1), (_hours_cells, 0), (_claim_cells, 2 * least - 1)):
        hidden.update({key: state for key, state in
                       disclosure.protect(system(figures, content, facts, reported, least), floor).items()
                       if state != disclosure.SHOWN})
    totals = figures["totals"]
    members_small = totals["members"] < least
    for key, state in hidden.items():
        value = None if state == disclosure.SMALL else WITHHELD
        part, *rest = key
        if part == "stars":
            figures["stars"][rest[0]]["count"] = value
        elif part == "posts":
            figures["communities"][rest[0]]["posts"][rest[1]][rest[2]] = value
        elif part == "totals":
            for name in rest[0]:
                totals[name] = value
        else:
            for name in rest[1]:
                figures[part][rest[0]][name] = value
    if members_small:  # nobody is counted publicly while fewer than `least` have reported
        for name in ("members", "activities", "hours", "claims"):
            totals[name] = None
    return figures


HOURS = ("activities", "hours")  # a group's activities and hours are hidden and shown together


def _member_cells(figures: dict, content: Content, facts: YearFacts, reported: list[MemberFacts],
                  least: int) -> list[disclosure.Cell]:
    """Members reported: the total, per community, per star level; atoms are (community, star) pairs."""
    levels = range(len(figures["stars"]))
    communities = list(content.communities) + sorted({m.community or "" for m in reported} - set(content.communities))
    atoms = {(c, lv) for c in communities for lv in levels}
    cells = [disclosure.Cell(("totals", ("members",)), frozenset(atoms), len(reported), len(reported) < least, total=True)]
    for cid in content.communities:
        count = figures["communities"][cid]["members"]
        cells.append(disclosure.Cell(("communities", cid, ("members",) + _tied(figures, cid, least)),
                                     frozenset((cid, lv) for lv in levels), count, count < least))
    for lv in levels:
        count = figures["stars"][lv]["count"]
        cells.append(disclosure.Cell(("stars", lv), frozenset((c, lv) for c in communities), count, count < least))
    return cells


def _tied(figures: dict, cid: str, least: int) -> tuple[str, ...]:
    """A community with fewer than `least` members has its activities and hours hidden with them."""
    return HOURS if figures["communities"][cid]["members"] < least else ()


def _hours_cells(figures: dict, content: Content, facts: YearFacts, reported: list[MemberFacts],
                 least: int) -> list[disclosure.Cell]:
    """Hours (and activities, hidden alike) of counted check-ins: the total, per community, per team.
    Atoms are (community, team) pairs of activities that may have counted check-ins (this year, held by
    today) or have them; a group is sensitive when fewer than `least` people are counted in it, or (a
    community) fewer than `least` reported to it."""
    pairs = {(a.community, a.team) for a in content.activities.values()
             if a.date.year == facts.year and a.date <= facts.today}
    pairs |= {(c.community, c.team) for c in facts.checkins}
    people = {c.card for c in facts.checkins}
    totals = figures["totals"]
    cells = [disclosure.Cell(("totals", HOURS), frozenset(pairs), totals["hours"],
                             totals["members"] < least or len(people) < least, total=True)]
    for cid in content.communities:
        here = [c for c in facts.checkins if c.community == cid]
        group = figures["communities"][cid]
        sensitive = group["members"] < least or len({c.card for c in here}) < least
        cells.append(disclosure.Cell(("communities", cid, HOURS), frozenset(p for p in pairs if p[0] == cid),
                                     group["hours"], sensitive))
    for tid in content.teams:
        group = figures["teams"][tid]
        small = group["members"] < least  # then its count of people is hidden too
        cells.append(disclosure.Cell(("teams", tid, (("members",) if small else ()) + HOURS),
                                     frozenset(p for p in pairs if p[1] == tid), group["hours"], small))
    return cells


CLAIM_PARTS = ("approved", "waiting", "other")  # a post's claims: approved, on the waiting list, the rest


def _claim_cells(figures: dict, content: Content, facts: YearFacts, reported: list[MemberFacts],
                 least: int) -> list[disclosure.Cell]:
    """Claims: the total (every claim) and per post the approved ones and the waiting list (ledger/claims.py);
    atoms are (post, part), the third part (pending but not waiting, declined) never published."""
    claimed = {code for m in facts.members.values() for code in m.posts}
    totals = figures["totals"]
    atoms = {(code, part) for code in set(content.posts) | claimed for part in CLAIM_PARTS}
    cells = [disclosure.Cell(("totals", ("claims",)), frozenset(atoms), totals["claims"],
                             totals["members"] < least, total=True)]
    for cid, group in figures["communities"].items():
        for code, places in group["posts"].items():
            for part in ("approved", "waiting"):
                count = places[part]
                cells.append(disclosure.Cell(("posts", cid, code, part), frozenset({(code, part)}), count, count < least))
    return cells


@dataclass(frozen=True)
class Groups:
    """Check-ins, reported members, posts and claims grouped in one pass each, so every community, team
    and post is a lookup instead of another pass over all members or check-ins."""

    checkins_by_community: dict[str | None, list[CheckIn]]
    checkins_by_team: dict[str | None, list[CheckIn]]
    members_by_community: Counter
    posts_by_community: dict[str, list[str]]  # post codes in content order
    places: dict[str, claims.PostClaims]  # post code -> its claims, approved / pending / declined (ledger/claims.py)

    @staticmethod
    def of(content: Content, facts: YearFacts, reported: list[MemberFacts], snap: ledger_snapshot.Snapshot) -> Groups:
        by_community: dict[str | None, list[CheckIn]] = {}
        by_team: dict[str | None, list[CheckIn]] = {}
        for checkin in facts.checkins:  # in order, so sums of hours add up exactly as before
            by_community.setdefault(checkin.community, []).append(checkin)
            by_team.setdefault(checkin.team, []).append(checkin)
        posts: dict[str, list[str]] = {}
        for post in content.posts.values():
            posts.setdefault(post.community, []).append(post.code)
        places = claims.by_post(content, snap, facts)
        return Groups(by_community, by_team, Counter(m.community for m in reported), posts, places)

    def declined(self) -> frozenset[tuple[str, str]]:
        """(card, post) of the claims the community declined."""
        return frozenset((c.card, code) for code, group in self.places.items() for c in group.declined)


def shown(count: int, least: int) -> int | None:
    """A count of people, or None when the group is smaller than the minimum shown."""
    return count if count >= least else None


def _group(members: int, activities: int, hours: Iterable[float]) -> dict:
    return {"members": members, "activities": activities, "hours": rules.hours_sum(hours)}


def _totals(facts: YearFacts, reported: list[MemberFacts]) -> dict:
    group = _group(len(reported), len({c.activity for c in facts.checkins}), [c.hours for c in facts.checkins])
    group["claims"] = sum(len(m.posts) for m in facts.members.values())
    return group


def _community(cid: str, groups: Groups) -> dict:
    here = groups.checkins_by_community.get(cid, [])
    group = _group(groups.members_by_community[cid], len({c.activity for c in here}), [c.hours for c in here])
    group["posts"] = {code: claims.public(groups.places[code]) for code in groups.posts_by_community.get(cid, [])}
    return group


def _team(tid: str, groups: Groups) -> dict:
    here = groups.checkins_by_team.get(tid, [])
    return _group(len({c.card for c in here}), len({c.activity for c in here}), [c.hours for c in here])


def _stars(reported: list[MemberFacts], thresholds: tuple[int, ...]) -> list[dict]:
    counts = [0] * (len(thresholds) + 1)
    for m in reported:
        counts[m.star] += 1
    return [{"level": lv, "label": stars.label(lv), "count": n} for lv, n in enumerate(counts)]


def honour_roll(content: Content, reported: list[MemberFacts], names: dict[str, str],
                declined: frozenset[tuple[str, str]] = frozenset()) -> list[dict]:
    """Consenting members who met the year's activity target (活动不少于N次): name (the roster's: a card the
    roster does not name is not shown), department, community, deeds."""
    roll = []
    order = {code: i for i, code in enumerate(content.departments)}
    for m in sorted(reported, key=lambda m: (order.get(m.department, len(order)), m.department, names.get(m.card, ""), m.card)):
        if not m.consents_honour_roll or m.activities < content.site.targets.activities_per_member or m.card not in names:
            continue
        department = content.departments.get(m.department)
        community = content.communities.get(m.community or "")
        roll.append({
            "name": names[m.card],
            "department": department.name if department else "",
            "community": community.name if community else "",
            "deeds": deeds(content, m, declined),
        })
    return roll  # departments in departments.yaml order, then names


def deeds(content: Content, member: MemberFacts, declined: frozenset[tuple[str, str]] = frozenset()) -> str:
    """认领岗位 (not those the community declined) and number of activities joined; never hours or grades."""
    parts = []
    titles = [content.posts[code].title for code in member.posts
              if code in content.posts and (member.card, code) not in declined]
    if titles:
        parts.append("认领" + "、".join(titles))
    if member.activities:
        parts.append(f"参加志愿服务活动{member.activities}次")
    return "；".join(parts)
