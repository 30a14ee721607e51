"""What every report is built from, and the basis (统计口径) every report states."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from site_builder.ledger import roster as roster_file
from site_builder.ledger import snapshot as ledger_snapshot
from site_builder.ledger.roster import Member as RosterMember
from site_builder.ledger.snapshot import Snapshot
from site_builder.ledger.summary import flag_name
from site_builder.model import Content
from site_builder.facts import stars
from site_builder import rules
from site_builder.facts import MemberFacts, YearFacts, department_of, year_facts

TYPE_NAMES = rules.RECORD_TYPES
SKIP_NAMES = {"unverified": "未核验", "rejected": "已驳回", "duplicate": "同一活动重复签到"}


@dataclass(frozen=True)
class Basis:
    """Which records a report counted, as of when, under which rules: printed on every report."""

    ledger: str
    roster: str | None  # None: no roster file, so members not yet reported cannot be listed
    as_of: str | None  # the latest ingest counted
    today: dt.date
    files: int
    counts: list[tuple[str, int]]  # (record type in Chinese, effective records)
    checkins_counted: int
    checkins_skipped: list[tuple[str, int]]
    checkins_flagged: list[tuple[str, int]]  # counted check-ins carrying an ingest flag (未签退, 封顶, 逾期 …)
    star_table: str
    rules: tuple[str, ...]


@dataclass
class ReportContext:
    content: Content
    snapshot: Snapshot
    facts: YearFacts
    roster: dict[str, RosterMember]
    basis: Basis
    today: dt.date
    extra: dict = field(default_factory=dict)

    @property
    def year(self) -> int:
        return self.content.site.year

    @property
    def deadline(self) -> dt.date:
        month, day = (int(x) for x in self.content.site.targets.registration_deadline.split("-"))
        return dt.date(self.year, month, day)

    def name_of(self, card: str) -> str:
        member = self.facts.members.get(card)
        if member and member.name:
            return member.name
        entry = self.roster.get(card)
        return entry.name if entry else ""

    def branch_of(self, card: str) -> str:
        member = self.facts.members.get(card)
        if member and member.registration and member.registration.get("branch"):
            return str(member.registration.get("branch"))
        entry = self.roster.get(card)
        return entry.branch if entry else ""

    def members_of(self, department: str) -> list[MemberFacts]:
        """Members of a department known to the ledger (any record this year), by card."""
        by_department = self._grouped("members by department", self.facts.members.values(), lambda m: m.department)
        return list(by_department.get(department, ()))

    def reported_in(self, community: str) -> list[MemberFacts]:
        """Members reported by today whose registration names the community, by card."""
        by_community = self._grouped("reported by community", self.facts.reported(), lambda m: m.community)
        return list(by_community.get(community, ()))

    def roster_of(self, department: str) -> list[RosterMember]:
        """Roster entries whose card the department issued (card prefix), in roster order."""
        by_department = self._grouped("roster by department", self.roster.values(), lambda r: department_of(r.card))
        return list(by_department.get(department, ()))

    def _grouped(self, name: str, items, key) -> dict:
        """Items grouped by key in one pass, kept for the whole report run (reports ask per department,
        community or card, and a pass over every member for each would grow as departments x members)."""
        if name not in self.extra:
            groups: dict = {}
            for item in items:
                groups.setdefault(key(item), []).append(item)
            self.extra[name] = groups
        return self.extra[name]


def load(content: Content, ledger: Path, roster: Path, today: dt.date) -> ReportContext:
    snap = ledger_snapshot.read(ledger)
    members = roster_file.load(roster)
    facts = year_facts(content, snap, today)
    basis = _basis(content, snap, facts, ledger, roster if members is not None else None, today)
    return ReportContext(content, snap, facts, members or {}, basis, today)


def _basis(content: Content, snap: Snapshot, facts: YearFacts, ledger: Path, roster: Path | None,
           today: dt.date) -> Basis:
    counts = [(TYPE_NAMES.get(t, t), len(snap.of(t))) for t in TYPE_NAMES]
    skipped = [(SKIP_NAMES.get(k, k), n) for k, n in sorted(facts.skipped.items())]
    flagged = Counter(flag for checkin in facts.checkins for flag in checkin.record.flags)
    return Basis(str(ledger), str(roster) if roster else None, snap.as_of, today, snap.files, counts,
                 len(facts.checkins), skipped, [(flag_name(f), n) for f, n in sorted(flagged.items())],
                 stars.table_name(content.site.targets.star_hours), RULES)


RULES = (
    "只统计未被更正取代的有效记录；同一记录更正后以最新一条为准，报到日期取首次报到的日期。",
    "签到记录只有经签到码核验（verified）或组织方确认（confirmed）后才计入活动次数和志愿服务时长；未核验、已驳回的不计。",
    "志愿服务时长按签到至签退计算，不超过活动计划时长；未签退的按计划时长计并标注。",
    "报到、认领承诺、民主测评等党员义务不计入志愿服务时长。",
    "活动次数与时长只计本年度、截至统计日的活动；星级按截至统计日的累计时长评定。",
    "部门以报到卡编号前缀（如 D03）确定，即开具报到卡的部门。",
)
