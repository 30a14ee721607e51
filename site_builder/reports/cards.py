"""Printable cards: the three-part 报到卡 with a QR code, the 基本情况登记卡 and the 服务承诺卡."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from markupsafe import Markup

from site_builder.reports.context import ReportContext


@dataclass(frozen=True)
class Card:
    card: str
    name: str
    department: str  # name
    branch: str
    community: str  # name, or "" when not reported yet
    registration: dict  # the effective registration's fields, {} when not reported
    claims: list[dict]  # effective claims: posts (code, title, community), roles, pledge, deadline
    qr: Markup  # inline SVG


def register_url(base_url: str, card: str) -> str:
    """The registration form pre-filled with the card number."""
    return f"{base_url.rstrip('/')}/register/?card={quote(card)}"


def qr_svg(data: str) -> Markup:
    """An inline SVG QR code, sized by CSS (class qr)."""
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    svg = image.to_string(encoding="unicode")
    svg = re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg class="qr" role="img" aria-label="报到二维码"', svg)
    return Markup(svg)


def cards(ctx: ReportContext, department: str) -> list[Card]:
    """One card per 报到卡 the department issued (the roster), plus members reported without a roster entry."""
    cards_ = set(c for c in ctx.roster if c.startswith(department + "-"))
    cards_ |= {m.card for m in ctx.members_of(department) if m.registration is not None}
    return [_card(ctx, card) for card in sorted(cards_)]


def _card(ctx: ReportContext, card: str) -> Card:
    content = ctx.content
    member = ctx.facts.members.get(card)
    registration = dict(member.registration.body) if member and member.registration else {}
    community = content.communities.get(registration.get("community", ""))
    department = content.departments.get(card.split("-", 1)[0])
    claims = [_claim(ctx, r.body) for r in (member.pledges if member else [])]
    return Card(card, ctx.name_of(card), department.name if department else "", ctx.branch_of(card),
                community.name if community else "", registration, claims,
                qr_svg(register_url(content.site.base_url, card)))


def _claim(ctx: ReportContext, body: dict) -> dict:
    posts = []
    for code in body.get("posts") or ():
        post = ctx.content.posts.get(code)
        community = ctx.content.communities.get(post.community) if post else None
        posts.append({"code": code, "title": post.title if post else "", "community": community.name if community else ""})
    return {"posts": posts, "roles": "、".join(body.get("roles") or ()), "pledge": body.get("pledge", ""),
            "deadline": body.get("deadline", "")}


def intentions(ctx: ReportContext, codes: list[str] | None) -> str:
    return "、".join(ctx.content.categories[c].name if c in ctx.content.categories else c for c in codes or ())
