"""Public figures for the small hand-computed case (tests/fixtures/ledgers/kit.py says what it holds)."""

from __future__ import annotations

import dataclasses

from pathlib import Path

import pytest

import kit

from site_builder.aggregates import public_figures


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    return kit.ingest_small(tmp_path_factory.mktemp("small"))[0]


# Nobody approved a claim in the small ledger: every post has places left, none is full (ledger/claims.py)
OPEN = {"full": False, "approved": None, "waiting": None}  # 0 is below any minimum: suppressed
CLOSED = {"full": False, "approved": None, "waiting": None}


def test_no_ledger_file_or_an_empty_ledger_means_no_figures(tmp_path):
    assert public_figures(kit.small_content(), tmp_path / "missing.sqlite", kit.TODAY) is None
    kit.db.connect(tmp_path / "empty.sqlite").close()
    assert public_figures(kit.small_content(), tmp_path / "empty.sqlite", kit.TODAY) is None


def test_totals_count_only_verified_or_confirmed_checkins_of_the_year(ledger):
    f = public_figures(kit.small_content(min_group=4), ledger, kit.TODAY)
    # 7 members reported; 3 activities with a counted check-in; 3+2.5+3+2+2+2.5+2.5 hours; 5 claimed places
    assert f["totals"] == {"members": 7, "activities": 3, "hours": 17.5, "claims": 5}
    assert f["as_of"] == "2026-11-19T18:00:00+08:00"


def test_hours_counted_for_fewer_people_than_the_minimum_are_hidden_even_in_the_totals(ledger):
    # 7 members reported, but the 17.5 hours are four people's: at min_group 5 they would describe them
    f = public_figures(kit.small_content(min_group=5), ledger, kit.TODAY)
    assert f["totals"] == {"members": 7, "activities": None, "hours": None, "claims": 5}


def test_groups_below_min_group_are_suppressed(ledger):
    f = public_figures(kit.small_content(min_group=5), ledger, kit.TODAY)
    assert f["communities"]["yangguang"] == {"members": None, "activities": None, "hours": None,
                                             "posts": {"YG-ZC-01": CLOSED, "YG-HJ-01": CLOSED}}
    assert [s["count"] for s in f["stars"]] == [None, None, None, None]
    assert f["teams"]["jiaoyu-wenti"]["hours"] is None


def test_groups_at_the_minimum_are_shown(ledger):
    f = public_figures(kit.small_content(min_group=1), ledger, kit.TODAY)
    assert f["communities"]["yangguang"] == {"members": 4, "activities": 2, "hours": 12.5,
                                             "posts": {"YG-ZC-01": OPEN, "YG-HJ-01": OPEN}}
    # D01-0005 corrected the registration to jingyuan
    assert f["communities"]["jingyuan"] == {"members": 3, "activities": 1, "hours": 5.0, "posts": {"JY-WH-01": OPEN}}
    assert f["teams"]["jiaoyu-wenti"] == {"members": 3, "activities": 1, "hours": 8.5}
    assert f["min_group"] == 1


def test_star_distribution_uses_cumulative_hours_and_the_configured_table(ledger):
    f = public_figures(kit.small_content(min_group=1, star_hours=(2, 5, 10)), ledger, kit.TODAY)
    # D01-0001: 7.5 h this year + 4 h last year = 11.5 -> 3 stars; 4.5, 3.0, 2.5 -> 1 star; three with 0
    assert [(s["level"], s["label"], s["count"]) for s in f["stars"]] == [
        (0, "未达星级", 3), (1, "一星", 3), (2, "二星", None), (3, "三星", 1)]
    assert f["star_hours"] == [2, 5, 10]
    f = public_figures(kit.small_content(min_group=1, star_hours=(100, 300, 600, 1000, 1500)), ledger, kit.TODAY)
    assert f["stars"][0]["count"] == 7 and len(f["stars"]) == 6


def test_honour_roll_names_only_consenting_members_who_met_the_target(ledger):
    # nobody in the small case joined 4 activities: the default target names nobody
    assert public_figures(kit.small_content(), ledger, kit.TODAY)["honour_roll"] == []
    content = kit.small_content()
    site = dataclasses.replace(content.site, targets=dataclasses.replace(content.site.targets, activities_per_member=1))
    content.site = site
    f = public_figures(content, ledger, kit.TODAY)
    assert f["honour_roll"] == [
        {"name": "王建华", "department": "区教育局", "community": "阳光社区",
         "deeds": "认领环境整治岗、政策宣传岗；参加志愿服务活动3次"},
        {"name": "郑芳", "department": "区民政局", "community": "景苑社区", "deeds": "认领文化活动岗；参加志愿服务活动1次"},
    ]


def test_today_limits_what_is_counted(ledger):
    f = public_figures(kit.small_content(min_group=1), ledger, kit.dt.date(2026, 5, 31))
    # registrations up to 05-31: D01-0001..0005 (0005's first record 05-05) and D02-0001; one activity held
    assert f["totals"]["members"] == 6
    assert f["totals"]["activities"] == 1
