"""Per-member facts for one programme year, from a ledger snapshot: the basis of every figure, public
(aggregates.py: anonymous counts on the site) and private (reports/). Both take them from here, so the
public site depends on nothing in reports/.

Rules (docs/reports.md says them in full):
- a member's department is the prefix of the 报到卡 number (D03-0042 -> D03), the department that issued it;
- a member has reported when an effective (not superseded) registration was made in the programme year,
  on or before the day asked about; the newest one says the community, the first one the date;
- claimed places are distinct card x post pairs from effective claims of the year;
- a check-in counts only when verified or confirmed, in the programme year, on or before today; one
  activity counts once per member (the highest credited hours if a member sent two check-ins for it);
- stars use cumulative counted hours of every year up to today; party duties (报到, 承诺, 测评) are
  never hours: only check-ins carry hours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from site_builder import rules
from site_builder.facts import stars
from site_builder.ledger.snapshot import CheckIn, Record, Snapshot
from site_builder.model import Content


@dataclass
class MemberFacts:
    card: str
    department: str  # department code (card prefix)
    name: str = ""  # from the registration, else the roster
    registration: Record | None = None  # the newest effective registration of the year
    registered_on: dt.date | None = None  # the first time this registration was recorded
    posts: list[str] = field(default_factory=list)  # claimed post codes, sorted
    pledges: list[Record] = field(default_factory=list)  # effective claims of the year, oldest first
    visits: dict[str, CheckIn] = field(default_factory=dict)  # activity id -> the counted check-in credited
    total_hours: float = 0.0  # counted hours of every year up to today (for stars), never below `hours`
    star: int = 0

    @property
    def community(self) -> str | None:
        return self.registration.get("community") if self.registration else None

    @property
    def activities(self) -> int:
        return len(self.visits)

    @property
    def hours(self) -> float:
        return rules.hours_sum(c.hours for c in self.visits.values())

    @property
    def consents_honour_roll(self) -> bool:
        """The registration says so, and it is not waiting for an organiser's confirmation (consent switched
        on from another phone, ledger/trust.py)."""
        if self.registration is None or self.registration.awaiting:
            return False
        consent = self.registration.get("consent")
        return bool(isinstance(consent, dict) and consent.get("honour_roll") is True)

    def reported_by(self, day: dt.date) -> bool:
        return self.registered_on is not None and self.registered_on <= day


@dataclass
class YearFacts:
    """Everything the figures and reports need for one programme year, as of one day."""

    year: int
    today: dt.date
    members: dict[str, MemberFacts]  # by card, sorted
    checkins: list[CheckIn]  # counted check-ins of the year up to today (one per member and activity)
    skipped: dict[str, int]  # check-ins not counted, by reason

    def reported(self, day: dt.date | None = None) -> list[MemberFacts]:
        day = day or self.today
        return [m for m in self.members.values() if m.reported_by(day)]


department_of = rules.department_of  # the department that issued a card (site_builder/rules.py)


def in_year(record: Record, snapshot: Snapshot, year: int, today: dt.date) -> bool:
    day = snapshot.first_created(record).date()
    return day.year == year and day <= today


def year_facts(content: Content, snapshot: Snapshot, today: dt.date) -> YearFacts:
    year = content.site.year
    members: dict[str, MemberFacts] = {}

    def member(card: str) -> MemberFacts:
        return members.setdefault(card, MemberFacts(card, department_of(card)))

    _add_registrations(snapshot, year, today, member)
    _add_claims(snapshot, year, today, member)
    counted, skipped = _counted_checkins(snapshot, year, today)
    for checkin in counted:
        member(checkin.card).visits[checkin.activity] = checkin
    _add_total_hours(snapshot, today, member)
    for m in members.values():
        m.star = stars.level(m.total_hours, content.site.targets.star_hours)
    ordered = {card: members[card] for card in sorted(members)}
    return YearFacts(year, today, ordered, counted, skipped)


def _add_registrations(snapshot: Snapshot, year: int, today: dt.date, member) -> None:
    for record in snapshot.of("registration"):  # oldest first: the newest wins
        if not in_year(record, snapshot, year, today):
            continue
        m = member(record.card)
        first = snapshot.first_created(record).date()
        m.registered_on = min(m.registered_on or first, first)
        m.registration = record
        m.name = str(record.get("name") or m.name)


def _add_claims(snapshot: Snapshot, year: int, today: dt.date, member) -> None:
    for record in snapshot.of("claim"):
        if not in_year(record, snapshot, year, today):
            continue
        m = member(record.card)
        m.pledges.append(record)
        m.posts = sorted(set(m.posts) | {str(p) for p in record.get("posts") or ()})


def _counted_checkins(snapshot: Snapshot, year: int, today: dt.date) -> tuple[list[CheckIn], dict[str, int]]:
    """Counted check-ins of the year, one per card x activity (the highest hours), and why others were not."""
    best: dict[tuple[str, str], CheckIn] = {}
    skipped: dict[str, int] = {}
    for checkin in snapshot.checkins:
        if checkin.activity_date.year != year or checkin.activity_date > today:
            continue
        if not checkin.counts:
            skipped[checkin.verification] = skipped.get(checkin.verification, 0) + 1
            continue
        key = (checkin.card, checkin.activity)
        if key in best:
            skipped["duplicate"] = skipped.get("duplicate", 0) + 1
            if checkin.hours <= best[key].hours:
                continue
        best[key] = checkin
    return [best[k] for k in sorted(best)], skipped


def _add_total_hours(snapshot: Snapshot, today: dt.date, member) -> None:
    """Counted hours of every year up to today, one check-in per card x activity (the highest), added up
    once per member with rules.hours_sum: the year's check-ins are among them, so the total is never
    smaller than the year's hours."""
    best: dict[tuple[str, str], float] = {}
    for checkin in snapshot.checkins:
        if checkin.counts and checkin.activity_date <= today:
            key = (checkin.card, checkin.activity)
            best[key] = max(best.get(key, 0.0), checkin.hours)
    by_card: dict[str, list[float]] = {}
    for (card, _activity), hours in best.items():
        by_card.setdefault(card, []).append(hours)
    for card, hours_list in by_card.items():
        member(card).total_hours = rules.hours_sum(hours_list)
