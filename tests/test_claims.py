"""The rule on claimed posts (ledger/claims.py): capacity, waiting list, decisions kept with history, and
what the public figures and post pages may say."""

from __future__ import annotations

import pytest

import exportkit

from site_builder import aggregates
from site_builder.errors import UsageError
from site_builder.facts import year_facts
from site_builder.ledger import catalogue, claims, db, snapshot



@pytest.fixture
def ledger(tmp_path, capsys, fixed_clock):
    import datetime as dt

    data = exportkit.data_dir(tmp_path)
    records = []
    for n, card in enumerate(("D03-0001", "D03-0002", "D01-0001")):
        records.append(exportkit.record("registration", card, f"2026-04-2{n}T09:00:00+08:00",
                                        department=card[:3]))
        records.append(exportkit.record("claim", card, f"2026-04-2{n}T10:00:00+08:00", community="taidong", posts=["TD-BM-01"]))
    status, out, _ = exportkit.ingest(capsys, data, exportkit.write(tmp_path / "in", records))
    assert "新接收 6 条" in out, out
    return data / "records.sqlite", dt.date(2026, 11, 28)


def state(path, today):
    content = catalogue.load_content(exportkit.CONTENT, today)
    snap = snapshot.read(path)
    return content, snap, year_facts(content, snap, today)


def decide(path, today, card, decision, now="2026-11-28T10:00:00+08:00"):
    content, snap, facts = state(path, today)
    conn = db.connect(path)
    try:
        return claims.decide(conn, content, snap, facts, card, "TD-BM-01", decision, now, "邰东社区")
    finally:
        conn.close()


def test_pending_claims_wait_in_claim_order_once_the_post_is_full(ledger):
    path, today = ledger
    group = claims.by_post(*state(path, today))["TD-BM-01"]
    assert [c.card for c in group.pending] == ["D03-0001", "D03-0002", "D01-0001"] and not group.full
    assert group.waiting == [] and group.places_left == 2
    decide(path, today, "D03-0002", claims.APPROVED)
    decide(path, today, "D01-0001", claims.APPROVED)
    group = claims.by_post(*state(path, today))["TD-BM-01"]
    assert group.full and [c.card for c in group.waiting] == ["D03-0001"] and group.places_left == 0


def test_approving_beyond_capacity_is_refused_and_writes_nothing(ledger):
    path, today = ledger
    decide(path, today, "D03-0001", claims.APPROVED)
    decide(path, today, "D03-0002", claims.APPROVED)
    before = exportkit.dump(path)
    with pytest.raises(UsageError, match=r"岗位 TD-BM-01：已满（可认领 2 人，已同意 2 人），D01-0001 留在候补名单；应先"):
        decide(path, today, "D01-0001", claims.APPROVED)
    assert exportkit.dump(path) == before
    decide(path, today, "D03-0001", claims.DECLINED, now="2026-11-28T11:00:00+08:00")  # a place is free again
    decide(path, today, "D01-0001", claims.APPROVED, now="2026-11-28T12:00:00+08:00")
    group = claims.by_post(*state(path, today))["TD-BM-01"]
    assert [c.card for c in group.approved] == ["D03-0002", "D01-0001"] and [c.card for c in group.declined] == ["D03-0001"]


def test_a_claim_that_does_not_exist_is_refused(ledger):
    path, today = ledger
    with pytest.raises(UsageError, match="报到卡号 D03-0009：本年度没有认领岗位 TD-BM-01"):
        decide(path, today, "D03-0009", claims.APPROVED)


def test_public_figures_say_full_and_count_the_waiting_only_from_the_minimum(ledger):
    path, today = ledger
    decide(path, today, "D03-0001", claims.APPROVED)
    decide(path, today, "D03-0002", claims.APPROVED)
    content = catalogue.load_content(exportkit.CONTENT, today)
    figures = aggregates.public_figures(content, path, today)
    assert figures["communities"]["taidong"]["posts"]["TD-BM-01"] == {"full": True, "approved": None, "waiting": None}
    group = claims.by_post(*state(path, today))["TD-BM-01"]
    assert claims.public(group) == {"full": True, "approved": 2, "waiting": 1}


def test_the_command_line_applies_the_same_rule(ledger, capsys):
    from site_builder import cli

    path, _ = ledger
    args = ["--content", str(exportkit.CONTENT), "--ledger", str(path), "--today", "2026-11-28"]
    assert cli.main(["ledger", "approve", "TD-BM-01", "D03-0001", "d03－0002", *args]) == 0
    assert "D03-0002 王一 认领 TD-BM-01：已同意" in capsys.readouterr().out
    assert cli.main(["ledger", "approve", "TD-BM-01", "D01-0001", *args]) == 1
    assert "岗位 TD-BM-01：已满（可认领 2 人，已同意 2 人）" in capsys.readouterr().err


def test_a_declined_claim_is_not_a_deed_on_the_honour_roll(ledger):
    path, today = ledger
    content, snap, facts = state(path, today)
    member = facts.members["D03-0001"]
    title = content.posts["TD-BM-01"].title
    assert f"认领{title}" in aggregates.deeds(content, member)
    decide(path, today, "D03-0001", claims.DECLINED)
    content, snap, facts = state(path, today)
    groups = aggregates.Groups.of(content, facts, facts.reported(), snap)
    assert groups.declined() == {("D03-0001", "TD-BM-01")}
    assert title not in aggregates.deeds(content, facts.members["D03-0001"], groups.declined())
    assert f"认领{title}" in aggregates.deeds(content, facts.members["D03-0002"], groups.declined())
