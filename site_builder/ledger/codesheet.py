"""The organiser's printable sheet of check-in codes: one card per activity with its code and a QR code
holding <base_url>checkin/?a=<id>&c=<code>. Private: written under build/reports/codes/, never build/site/."""

from __future__ import annotations

import html
import io
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg

from site_builder.ledger.codes import code_for
from site_builder.model import Activity, Content


def checkin_url(base_url: str, activity_id: str, code: str) -> str:
    base = base_url if base_url.endswith("/") else base_url + "/"
    return f"{base}checkin/?{urlencode({'a': activity_id, 'c': code})}"


def qr_svg(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode("utf-8")
    return svg[svg.index("<svg"):]


def where(content: Content, activity: Activity) -> str:
    names = []
    if activity.community:
        names.append(content.communities[activity.community].name)
    if activity.team:
        names.append(content.teams[activity.team].name if activity.team in content.teams else activity.team)
    return " · ".join(names)


def card(content: Content, activity: Activity, key: bytes) -> str:
    code = code_for(key, activity.id)
    url = checkin_url(content.site.base_url, activity.id, code)
    e = html.escape
    return (f'<section class="card"><h2>{e(activity.title)}</h2>'
            f'<p>{activity.date.isoformat()} {activity.start:%H:%M}–{activity.end:%H:%M} · {e(activity.place)}</p>'
            f'<p>{e(where(content, activity))} · 组织：{e(activity.organiser)}</p>'
            f'<p class="code">签到码 <strong>{code}</strong></p>{qr_svg(url)}'
            f'<p class="url">{e(url)}</p><p class="id">{e(activity.id)}</p></section>')


STYLE = """body{font-family:sans-serif;margin:1cm}h1{font-size:18pt}.card{break-inside:avoid;border:1px solid #999;
padding:.5cm;margin:0 0 .5cm;display:inline-block;width:8cm;vertical-align:top}.card h2{font-size:13pt;margin:0 0 .2cm}
.code strong{font-size:26pt;letter-spacing:.15em}.card svg{width:4.5cm;height:4.5cm}.url,.id{font-size:7pt;color:#555;word-break:break-all}
@media print{.card{border-color:#000}}"""


def sheet(content: Content, activities: list[Activity], key: bytes, title: str) -> str:
    cards = "\n".join(card(content, a, key) for a in activities) or "<p>这段时间没有安排活动。</p>"
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p>签到码仅供活动现场使用，请勿公开张贴到网上。</p>{cards}</body></html>\n")
