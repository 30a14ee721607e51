"""Checks of one schema-valid record against content/: known community, its posts, activity times,
grades, departments. Returns Chinese reasons; an empty list means the record can be accepted."""

from __future__ import annotations

import datetime as dt

from site_builder import rules
from site_builder.ledger.catalogue import Catalogue
from site_builder.ledger.hours import parse_time

DATE_FIELDS = {"diary": ("date",), "claim": ("deadline",)}
TIME_FIELDS = ("created_at", "checked_in_at", "checked_out_at")


def problems(record: dict, catalogue: Catalogue) -> list[str]:
    found = _times(record) + _department(record, catalogue)
    found += _community(record, catalogue)
    if not found:
        found += _early(record, catalogue)
    if record["type"] == "claim" and not found:
        found += _posts(record, catalogue)
    if record["type"] == "evaluation" and record["grade"] not in catalogue.grades:
        found.append(f"测评等次“{record['grade']}”不在 site.yaml 规定的等次（{'、'.join(catalogue.grades)}）之中")
    if record.get("replaces") == record["id"]:
        found.append("记录不能更正自己（replaces 与 id 相同）")
    return found


def _times(record: dict) -> list[str]:
    found = []
    for name in TIME_FIELDS:
        if record.get(name):
            try:
                parse_time(record[name])
            except ValueError:
                found.append(f"时间 {name}={record[name]} 不是有效的日期时间")
    for name in DATE_FIELDS.get(record["type"], ()):
        if record.get(name):
            try:
                dt.date.fromisoformat(record[name])
            except ValueError:
                found.append(f"日期 {name}={record[name]} 不是有效日期")
    if not found and record["type"] == "checkin" and record.get("checked_out_at"):
        if parse_time(record["checked_out_at"]) < parse_time(record["checked_in_at"]):
            found.append("签退时间早于签到时间")
    return found


def _early(record: dict, catalogue: Catalogue) -> list[str]:
    """A check-in more than a day before its activity's date is refused (a wrong day within a day is
    flagged date_mismatch when the check-in is stored)."""
    activity = catalogue.activities.get(record.get("activity", ""))
    if record["type"] != "checkin" or activity is None:
        return []
    if rules.checkin_timing(record["checked_in_at"], activity.date) == "early":
        return [f"签到时间 {record['checked_in_at'][:10]} 比活动日期 {activity.date} 早一天以上"
                f"（活动当天或前一天才能签到）"]
    return []


def _department(record: dict, catalogue: Catalogue) -> list[str]:
    prefix = rules.department_of(record["card"])
    if prefix not in catalogue.departments:
        return [f"报到卡号 {record['card']} 的单位代码 {prefix} 不在 departments.yaml 中"]
    if record["type"] == "registration" and record["department"] not in catalogue.departments:
        return [f"单位代码 {record['department']} 不在 departments.yaml 中"]
    return []


def _community(record: dict, catalogue: Catalogue) -> list[str]:
    community = record.get("community")
    if community is not None and community not in catalogue.communities:
        return [f"社区 {community} 不在 communities.yaml 中"]
    return []


def _posts(record: dict, catalogue: Catalogue) -> list[str]:
    own = catalogue.communities[record["community"]]
    foreign = [code for code in record["posts"] if code not in own]
    if foreign:
        return [f"岗位 {'、'.join(foreign)} 不是社区 {record['community']} 的岗位"]
    return []
