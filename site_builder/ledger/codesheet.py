"""The organiser's printable sheet of check-in codes: one card per activity with its code and a QR code
holding <base_url>checkin/?a=<id>&c=<code>, six cards to an A4 page. Private: written under build/reports/codes/, never build/site/."""

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


# A4, six cards a page (two across, three down), each whole on one page; on screen the cards flow across
# the window. A card is 92 x 88 mm: big enough for the code to be read across a room and the QR to scan.
STYLE = """@page{size:A4;margin:10mm}*{box-sizing:border-box}
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",sans-serif;margin:0;padding:8mm}
h1{font-size:16pt;margin:0 0 2mm}.note{font-size:9pt;margin:0 0 4mm}
.cards{display:flex;flex-wrap:wrap;gap:4mm}
.card{break-inside:avoid;page-break-inside:avoid;border:0.3mm dashed #666;padding:4mm;width:92mm;height:88mm;
overflow:hidden;display:flex;flex-direction:column;align-items:center;text-align:center}
.card>*{flex:none}.card h2{font-size:12pt;margin:0 0 1mm;line-height:1.3}.card p{margin:0;font-size:8.5pt;line-height:1.35}
.code{margin:1mm 0!important}.code strong{font-size:24pt;letter-spacing:.15em}
.card svg{width:36mm;height:36mm}.url,.id{font-size:6.5pt!important;color:#555;word-break:break-all}
@media print{body{padding:0}.card{border-color:#000}h1{font-size:13pt}}"""


def sheet(content: Content, activities: list[Activity], key: bytes, title: str) -> str:
    cards = "\n".join(card(content, a, key) for a in activities) or "<p>这段时间没有安排活动。</p>"
    return (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="robots" content="noindex">'
            f"<title>{html.escape(title)}</title><style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f'<p class="note">签到码仅供活动现场使用，请勿公开张贴到网上。沿虚线剪开，每项活动一张。</p>'
            f'<div class="cards">{cards}</div></body></html>\n')
