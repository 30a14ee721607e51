"""Printable cards: the three-part 报到卡 with a QR code, the 基本情况登记卡 and the 服务承诺卡."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import qrcode
import qrcode.constants
from markupsafe import Markup

from site_builder.reports import evaluation
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
    completion: dict[str, str]  # "H1"/"H2" -> 承诺事项完成情况 from the half year's 民主测评, "" when none yet


def register_url(base_url: str, card: str) -> str:
    """The registration form pre-filled with the card number."""
    return f"{base_url.rstrip('/')}/register/?card={quote(card)}"


def qr_svg(data: str) -> Markup:
    """An inline SVG QR code, sized by CSS (class qr): one path of horizontal runs of dark modules.

    The mask pattern is fixed (any mask is valid): searching for the best one was most of the time
    spent printing a thousand cards.
    """
    code = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=0)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start},{y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return Markup(f'<svg class="qr" role="img" aria-label="报到二维码" xmlns="http://www.w3.org/2000/svg" '
                  f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" '
                  f'fill="#fff"/><path d="{"".join(runs)}" fill="#000"/></svg>')


def cards(ctx: ReportContext, department: str) -> list[Card]:
    """One card per 报到卡 the department issued (the roster), plus members reported without a roster entry."""
    cards_ = {entry.card for entry in ctx.roster_of(department)}
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
                qr_svg(register_url(content.site.base_url, card)), _completion(ctx, card))


def _completion(ctx: ReportContext, card: str) -> dict[str, str]:
    done = {}
    for half in ("H1", "H2"):
        period = f"{ctx.year}{half}"
        done[half] = "；".join(f"{r.pledge_done or '—'}（{r.community}测评：{r.grade}）"
                              for r in evaluation.by_card(ctx, period).get(card, ()))
    return done


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
