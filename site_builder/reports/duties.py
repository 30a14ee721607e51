"""Reports on the plan's other duties: 结对帮扶 coverage per community (data/pairings.csv) and the
民情日记 picked for 择优报送, per department (the diary text stays in build/reports/ and the desk)."""

from __future__ import annotations

from dataclasses import dataclass

from site_builder.ledger import pairings as pairings_file
from site_builder.ledger.pairings import Coverage, Pairing
from site_builder.ledger.snapshot import Record
from site_builder.reports.context import ReportContext
from site_builder.reports.sheets import Table
from site_builder.facts import department_of


def coverage_table(ctx: ReportContext, rows: list[Coverage]) -> Table:
    return Table(f"{ctx.year}年结对帮扶覆盖情况", ("社区", "困难户（列入）", "已结对", "覆盖率", "结对领导人数", "未结对户编号"),
                 [(r.name, r.listed, r.paired, round(r.share, 4) if r.share is not None else None, r.leaders,
                   "、".join(r.unpaired)) for r in rows], sheet="结对帮扶")


def pairing_rows(ctx: ReportContext, pairings: list[Pairing]) -> list[tuple[str, str, str, str, str]]:
    """(community name, household, card, leader's name, department name) of each pairing, for the list."""
    rows = []
    for p in pairings:
        if not p.card:
            continue
        department = ctx.content.departments.get(department_of(p.card))
        rows.append((ctx.content.communities[p.community].name, p.household, p.card, ctx.name_of(p.card),
                     department.name if department else department_of(p.card)))
    return rows


@dataclass(frozen=True)
class DiaryEntry:
    record: Record
    card: str
    name: str
    community: str  # name

    def get(self, key: str) -> str:
        return str(self.record.get(key) or "")


def selected_diaries(ctx: ReportContext, department: str | None = None) -> list[DiaryEntry]:
    """Effective diary records picked for 择优报送 (of one department), oldest first."""
    chosen = ctx.snapshot.diary_selected
    entries = []
    for record in ctx.snapshot.of("diary"):
        if record.id not in chosen or (department and department_of(record.card) != department):
            continue
        community = ctx.content.communities.get(str(record.get("community") or ""))
        entries.append(DiaryEntry(record, record.card, ctx.name_of(record.card),
                                  community.name if community else str(record.get("community") or "")))
    return entries


load_pairings = pairings_file.load
coverage = pairings_file.coverage
