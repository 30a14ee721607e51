"""Hours and the working-day rule, computed by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from site_builder.ledger import hours


@pytest.mark.parametrize("start, end, expected", [
    ("2026-05-15", "2026-05-15", 0),   # same day
    ("2026-05-15", "2026-05-18", 1),   # Fri -> Mon
    ("2026-05-15", "2026-05-29", 10),  # two weeks later: exactly 10 working days
    ("2026-05-15", "2026-06-01", 11),  # Mon after: 11
    ("2026-05-16", "2026-05-17", 0),   # Sat -> Sun
    ("2026-05-16", "2026-05-30", 10),  # Sat -> Sat two weeks later
])
def test_working_days_between(start, end, expected):
    assert hours.working_days_between(dt.date.fromisoformat(start), dt.date.fromisoformat(end)) == expected


def test_working_days_between_counts_as_a_calendar_would():
    """Every start weekday and every span up to eight weeks, against counting day by day."""
    for start in (dt.date(2026, 5, 11) + dt.timedelta(days=d) for d in range(7)):
        for span in range(-3, 60):
            end = start + dt.timedelta(days=span)
            by_hand = sum(1 for d in range(1, span + 1) if (start + dt.timedelta(days=d)).weekday() < 5)
            assert hours.working_days_between(start, end) == by_hand, (start, end)


def test_late_only_after_the_limit():
    day = dt.date(2026, 5, 15)
    assert hours.late(day, "2026-05-29T23:00:00+08:00", 10) is None
    assert "第 11 个工作日" in hours.late(day, "2026-06-01T08:00:00+08:00", 10)


def test_credit_rules():
    assert hours.credit("2026-05-15T09:00:00+08:00", "2026-05-15T10:30:00+08:00", 2.5).hours == 1.5
    capped = hours.credit("2026-05-15T09:00:00+08:00", "2026-05-15T18:00:00+08:00", 2.5)
    assert capped.hours == 2.5 and "capped" in capped.flags
    missing = hours.credit("2026-05-15T09:00:00+08:00", None, 2.5)
    assert missing.hours == 2.5 and "missing_checkout" in missing.flags
    across_zones = hours.credit("2026-05-15T09:00:00+08:00", "2026-05-15T02:00:00Z", 3)
    assert across_zones.hours == 1.0
    with pytest.raises(ValueError):
        hours.credit("2026-05-15T09:00:00+08:00", "2026-05-15T08:00:00+08:00", 2)
