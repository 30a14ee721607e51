"""The programme's standing duties kept as public content (实施方案 二(一), 三(四)3):

- `content/contact-points.yaml`: the 联系点 of the district's 四大班子 leaders: which leader (by office,
  never a phone or a private number) and which community;
- `content/rota/*.yaml`: the holiday 轮班 of community staff: which community, which day, the hours and the
  roles on duty (by role, not by person).

Both files are optional. Loading reports every problem located (content.py's way); validate() checks the
references and the privacy rule. Pages show them on each community's page and on /duty/.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from site_builder.fields import Fields, one_of
from site_builder.privacy import EXPECTED, personal_numbers

if TYPE_CHECKING:
    from site_builder.content import _Reader
    from site_builder.model import Content

# The district's 四大班子: 区委、区人大常委会、区政府、区政协.
BODIES = ("区委", "区人大常委会", "区政府", "区政协")
CONTACT_POINTS = "contact-points.yaml"
ROTA = "rota"


@dataclass(frozen=True)
class ContactPoint:
    role: str  # the leader's office: 区委书记, 区长 …
    body: str  # one of BODIES
    community: str  # community id
    since: dt.date | None = None
    note: str = ""  # public: what the leader does there (带头报到、认领岗位 …)
    source: str = CONTACT_POINTS
    line: int = 0


@dataclass(frozen=True)
class Shift:
    community: str  # community id
    date: dt.date
    start: dt.time
    end: dt.time
    roles: tuple[str, ...]  # who is on duty, by role: 社区书记, 值班社工, 网格员 …
    holiday: str = ""  # 国庆节, 春节 …
    place: str = ""
    source: str = ""
    line: int = 0


def load(reader: "_Reader", content: "Content") -> None:
    """Read contact-points.yaml and rota/*.yaml (both optional) into content."""
    from site_builder.content import _files, _label

    points: list[ContactPoint] = []
    if (reader.root / CONTACT_POINTS).is_file():
        shown = reader.shown(CONTACT_POINTS)
        for entry in reader.entries(CONTACT_POINTS):
            role = entry.get("role")
            f = Fields(entry, shown, f"联系点 {role}" if isinstance(role, str) else _label("联系点", entry), reader.problems)
            point = _contact_point(f)
            f.finish()
            if point is not None:
                points.append(point)
    shifts: list[Shift] = []
    for path in _files(reader, ROTA, ".yaml"):
        relative = f"{ROTA}/{path.name}"
        shown = reader.shown(relative)
        for entry in reader.entries(relative):
            f = Fields(entry, shown, f"值班（第 {entry.line} 行）", reader.problems)
            shift = _shift(f, relative)
            f.finish()
            if shift is not None:
                shifts.append(shift)
    content.contact_points = tuple(points)
    content.rota = tuple(sorted(shifts, key=lambda s: (s.date, s.start, s.community, s.line)))


def _contact_point(f: Fields) -> ContactPoint | None:
    role, body = f.text("role", required=True), f.text("body", required=True)
    community = f.slug("community")
    since, note = f.date("since"), f.text("note")
    if body and body not in BODIES:
        f.problem("body", f"字段 body 的值 “{body}” 不是四大班子之一", one_of(body, list(BODIES)))
    if not (role and body and community):
        return None
    return ContactPoint(role, body, community, since, note, source=CONTACT_POINTS, line=f.data.line)


def _shift(f: Fields, relative: str) -> Shift | None:
    community = f.slug("community")
    date, start, end = f.date("date", required=True), f.time("start", required=True), f.time("end", required=True)
    roles = f.texts("roles", required=True)
    holiday, place = f.text("holiday"), f.text("place")
    if start and end and end <= start:
        f.problem("end", f"结束时间 {end:%H:%M} 不晚于开始时间 {start:%H:%M}", "晚于 start 的时间")
    if "roles" in f.data and not roles:
        f.problem("roles", "字段 roles 为空", "值班的岗位角色列表，例如 [社区书记, 值班社工]")
    if not (community and date and start and end and roles):
        return None
    return Shift(community, date, start, end, roles, holiday, place, source=relative, line=f.data.line)


def validate(content: "Content", add) -> None:
    """References and privacy; add(source, line, message, expected, key) records a problem."""
    communities = list(content.communities)
    seen: dict[tuple[str, str], ContactPoint] = {}
    for point in content.contact_points:
        label = f"联系点 {point.role}"
        if communities and point.community not in content.communities:
            add(point.source, point.line, f"{label}：社区 “{point.community}” 不存在", one_of(point.community, communities),
                "community")
        key = (point.role, point.community)
        if key in seen:
            add(point.source, point.line, f"{label}：联系点 {point.community} 重复列出",
                f"每位领导的每个联系点只写一次（首次在第 {seen[key].line} 行）")
        seen.setdefault(key, point)
        _private_numbers(add, point.source, point.line, label, {"role": point.role, "note": point.note})
    year = content.site.year
    for shift in content.rota:
        label = f"值班 {shift.date.isoformat()}"
        if communities and shift.community not in content.communities:
            add(shift.source, shift.line, f"{label}：社区 “{shift.community}” 不存在", one_of(shift.community, communities),
                "community")
        if year and abs(shift.date.year - year) > 1:  # year 0: site.yaml unusable (siteconfig.stand_in), not judged
            add(shift.source, shift.line, f"{label}：日期不在项目年度 {year} 前后", f"{year - 1}–{year + 1} 年内的日期", "date")
        _private_numbers(add, shift.source, shift.line, label,
                         {"roles": " ".join(shift.roles), "holiday": shift.holiday, "place": shift.place})


def _private_numbers(add, source: str, line: int, label: str, texts: dict[str, str]) -> None:
    for key, text in texts.items():
        for number, what in personal_numbers(text):
            add(source, line, f"{label}：字段 {key} 中有{what}（{number[:3]}…）", EXPECTED, key)


def of_community(content: "Content", community: str, today: dt.date) -> dict:
    """What a community page shows: its leaders' contact points and its holiday duty to come."""
    return {"contact_points": [p for p in content.contact_points if p.community == community],
            "rota": [s for s in content.rota if s.community == community and s.date >= today]}
