"""The Chinese summary of one ingest run, for a community secretary.

Problems first and counted: a line for each file that needs attention as soon as it is stored (a file
with nothing to look at says nothing, unless --verbose), then what needs attention counted by kind, the
totals, and notes that need nothing done in one line per kind.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from site_builder.ledger.ingest import NO_ATTENTION, FileReport

FLAG_NAMES = {
    "unknown_card": "报到卡号不在花名册",
    "late": "超过规定工作日才记录",
    "missing_checkout": "未签退（按计划时长计）",
    "code_mismatch": "签到码不符（待确认）",
    "code_unchecked": "未核对签到码（无密钥）",
    "unknown_activity": "活动不在活动表中（未计时长）",
    "capped": "时长超过计划（按计划封顶）",
    "date_mismatch": "签到日期与活动日期不同",
    "department_mismatch": "卡号与单位不符",
    "replaces_pending": "更正的原记录尚未收到",
    "replaces_mismatch": "更正的原记录类型或卡号不同",
    "important": "民主测评有重要情况（应立即反馈单位）",
    "clock_ahead": "记录时间晚于接收时间（手机时钟可能不准）",
    "text_cleaned": "文字含控制字符或残缺字符（已显示为 �）",
    "device_mismatch": "签到手机不是报到时的手机（待确认）",
    "shared_device": "一部手机为多个报到卡签到（待确认）",
    "correction_unconfirmed": "更正改变了时长、身份或公开同意（待组织者确认）",
    "consent_unconfirmed": "从另一台手机开启光荣榜公开（待组织者确认）",
    "name_mismatch": "自填姓名与花名册不同（公开只用花名册姓名）",
    "code_guessing": "同一文件多次签到码错误，疑为猜码（待组织者确认）",
}


def flag_name(flag: str) -> str:
    return FLAG_NAMES.get(flag, flag)


def file_lines(report: FileReport, verbose: bool = False) -> list[str]:
    """What to say about one file: its problems; everything about it with `verbose`."""
    if not verbose and not report.needs_attention:
        return []
    if report.status == "seen":
        return [f"【{report.name}】此文件已处理过（{report.earlier}），跳过"]
    if report.status == "quarantined":
        return [f"【{report.name}】无法读取，已隔离：{report.reason}"]
    if report.status == "unreadable":
        return [f"【{report.name}】{report.reason}"]
    lines = [f"【{report.name}】新接收 {report.accepted} 条，已存在 {report.known} 条，"
             f"冲突 {report.conflicting} 条，退回 {report.rejected} 条"]
    for rejection in report.rejections:
        lines.append(f"    退回 {rejection.where}{_id(rejection.record_id)}：{'；'.join(rejection.reasons)}")
    for record_id in report.conflicts:
        lines.append(f"    冲突 {record_id}：同一编号的记录内容不同，已另存待核实，原记录未改动")
    for flag, count in sorted(report.flags.items()):
        if verbose or flag not in NO_ATTENTION:
            lines.append(f"    标记 {flag_name(flag)}：{count} 条")
    return lines


def _id(record_id: str | None) -> str:
    return f"（{record_id}）" if record_id else ""


@dataclass
class Totals:
    """What the closing lines need from every file of a run: counts only, so a run of 10,000 files
    holds no list of reports."""

    files: int = 0
    seen: int = 0
    quarantined: int = 0
    unreadable: int = 0  # found but not read: gone, no permission, a symbolic link, a folder not readable
    accepted: int = 0
    known: int = 0
    conflicting: int = 0
    rejected: int = 0
    attention: int = 0  # files with something to look at
    flags: Counter = field(default_factory=Counter)  # flag -> records (a few kinds: memory stays flat)

    @property
    def stored(self) -> int:
        """Files whose transaction was committed in this run (ingested or quarantined)."""
        return self.files - self.seen - self.unreadable

    def add(self, report: FileReport) -> None:
        self.files += 1
        self.seen += report.status == "seen"
        self.quarantined += report.status == "quarantined"
        self.unreadable += report.status == "unreadable"
        self.accepted += report.accepted
        self.known += report.known
        self.conflicting += report.conflicting
        self.rejected += report.rejected
        self.attention += report.needs_attention
        self.flags.update(report.flags)


def head_lines(resolved: int) -> list[str]:
    if resolved:
        return [f"活动表已补上：之前活动未知的 {resolved} 条签到现已计算时长。"]
    return []


def total_lines(totals: Totals, roster_found: bool, key_found: bool) -> list[str]:
    lines = [""]
    if totals.attention:
        lines.append(f"需要处理：{totals.attention} 个文件（{_problem_counts(totals)}），说明见上"
                     "（site-builder ledger files / ledger conflicts / ledger list --flag …）。")
    unread = f"，无法读取 {totals.unreadable} 个" if totals.unreadable else ""
    lines.append(f"合计：{totals.files} 个文件（其中已处理过 {totals.seen} 个，隔离 {totals.quarantined} 个{unread}）；"
                 f"新接收 {totals.accepted} 条，已存在 {totals.known} 条，冲突 {totals.conflicting} 条，"
                 f"退回 {totals.rejected} 条")
    notes = [f"{flag_name(flag)} {count} 条" for flag, count in sorted(totals.flags.items()) if flag in NO_ATTENTION]
    if notes:
        lines.append(f"说明（无需处理）：{'；'.join(notes)}。")
    if not roster_found:
        lines.append("提示：没有花名册 data/roster.csv，本次未核对报到卡号。")
    if not key_found:
        lines.append("提示：没有签到密钥 data/checkin.key，本次签到码无法核对，签到记录均待确认。")
    if not totals.attention:
        lines.append("全部正常，无需处理。")
    return lines


def _problem_counts(totals: Totals) -> str:
    """隔离 1 个文件、退回 3 条、标记 报到卡号不在花名册 2 条 …: what needs attention, by kind."""
    parts = []
    if totals.quarantined:
        parts.append(f"隔离 {totals.quarantined} 个文件")
    if totals.unreadable:
        parts.append(f"无法读取 {totals.unreadable} 个")
    if totals.rejected:
        parts.append(f"退回 {totals.rejected} 条")
    if totals.conflicting:
        parts.append(f"冲突 {totals.conflicting} 条")
    parts += [f"{flag_name(flag)} {count} 条" for flag, count in sorted(totals.flags.items()) if flag not in NO_ATTENTION]
    return "、".join(parts)


def run_line(totals: Totals, seconds: float) -> str:
    """The closing line: how much this run did and how long it took."""
    return f"本次导入：{totals.files} 个文件，存入 {totals.accepted} 条新记录，用时 {seconds:.1f} 秒。"
