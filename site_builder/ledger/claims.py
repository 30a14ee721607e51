"""The rule on claimed posts (认领岗位审核): a post takes at most `capacity` approved members; a claim is
pending until the community approves or declines it; pending claims of a full post form its waiting list
(候补), in the order they were first made. One place for the rule: the desk, `site-builder ledger
approve/decline`, the public figures and the reports all call these functions.

A claim is a card x post pair from the member's effective claim records of the programme year
(facts.MemberFacts.posts); a decision is kept per card x post x year (ledger/staff.sql), latest wins. A
decision for a card that no longer claims the post (its claim was corrected) is ignored.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field

from site_builder.errors import UsageError
from site_builder.facts import YearFacts
from site_builder.ledger import staff
from site_builder.ledger.db import transaction
from site_builder.ledger.snapshot import Snapshot
from site_builder.model import Content, Post

APPROVED, DECLINED, PENDING = "approved", "declined", "pending"


@dataclass(frozen=True)
class Claim:
    card: str
    post: str
    name: str  # private: the desk and reports only
    claimed_at: dt.datetime  # when the member first claimed this post in the year
    pledge: str
    decision: str  # approved | declined | pending


@dataclass
class PostClaims:
    post: Post
    approved: list[Claim] = field(default_factory=list)
    pending: list[Claim] = field(default_factory=list)  # oldest first: the waiting list when the post is full
    declined: list[Claim] = field(default_factory=list)

    @property
    def full(self) -> bool:
        return len(self.approved) >= self.post.capacity

    @property
    def places_left(self) -> int:
        return max(self.post.capacity - len(self.approved), 0)

    @property
    def waiting(self) -> list[Claim]:
        """候补: pending claims while the post is full."""
        return self.pending if self.full else []


def by_post(content: Content, snap: Snapshot, facts: YearFacts) -> dict[str, PostClaims]:
    """Every post of the content with its claims of the programme year, approved / pending / declined."""
    found: dict[str, PostClaims] = {code: PostClaims(post) for code, post in content.posts.items()}
    for member in facts.members.values():
        first: dict[str, tuple[dt.datetime, str]] = {}
        for record in member.pledges:  # oldest first
            for code in record.get("posts") or ():
                if str(code) not in first:
                    first[str(code)] = (snap.first_created(record), str(record.get("pledge") or ""))
        for code in member.posts:
            if code not in found or code not in first:
                continue
            decision = snap.claim_decisions.get((member.card, code, facts.year), PENDING)
            claimed_at, pledge = first[code]
            claim = Claim(member.card, code, member.name, claimed_at, pledge, decision)
            getattr(found[code], decision).append(claim)
    for group in found.values():
        for claims in (group.approved, group.pending, group.declined):
            claims.sort(key=lambda c: (c.claimed_at, c.card))
    return found


def public(group: PostClaims) -> dict:
    """What the public site may say about a post's places: full or not, how many approved, how many wait.
    The counts of people are hidden for small groups (and in addition where a total would give them away)
    by aggregates._suppress; `full` stays: capacity and the community's approvals are public facts."""
    return {"full": group.full, "approved": len(group.approved), "waiting": len(group.waiting)}


def decide(conn: sqlite3.Connection, content: Content, snap: Snapshot, facts: YearFacts, card: str, post: str,
           decision: str, now: str, by: str | None = None, note: str | None = None) -> Claim:
    """Approve, decline or reset (pending) one claim, refusing to approve beyond the post's capacity.
    Located Chinese UsageError when the claim does not exist or the post is full; nothing is written then."""
    if post not in content.posts:
        raise UsageError(f"岗位 {post}：不在服务岗位目录中；应为 content/posts 中的岗位编码")
    group = by_post(content, snap, facts)[post]
    claim = next((c for c in group.approved + group.pending + group.declined if c.card == card), None)
    if claim is None:
        raise UsageError(f"报到卡号 {card}：本年度没有认领岗位 {post}；应为认领了该岗位的党员")
    claimants = {c.card for c in group.approved + group.pending + group.declined}
    capacity = content.posts[post].capacity
    with transaction(conn):
        latest = staff.latest_claim_decisions(conn, post, facts.year)
        approved = {c for c, d in latest.items() if d == APPROVED and c in claimants and c != card}
        if decision == APPROVED and len(approved) >= capacity:
            raise UsageError(f"岗位 {post}：已满（可认领 {capacity} 人，已同意 {len(approved)} 人），"
                             f"{card} 留在候补名单；应先对一位已同意的党员选择“不同意”，再同意候补")
        staff.add_claim_decision(conn, card, post, facts.year, decision, now, by, note)
    return Claim(claim.card, claim.post, claim.name, claim.claimed_at, claim.pledge, decision)
