"""`site-builder ledger`: list, search, export, history, conflicts, files; confirm, reject, decide."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

import exportkit as kit

from site_builder import cli
from site_builder.ledger import snapshot


@pytest.fixture
def filled(tmp_path, capsys, monkeypatch):
    """A ledger with a registration, a claim and its conflict, a corrected check-in, a wrong-code check-in."""
    monkeypatch.setenv("SITE_BUILDER_NOW", kit.NOW)
    data = kit.data_dir(tmp_path)
    claim = kit.record("claim")
    checkin = kit.record("checkin", checked_out_at=None)
    fixed = dict(checkin, id="0b7e9c1a-1111-4222-8333-444455556666", replaces=checkin["id"],
                 checked_out_at="2026-05-15T10:00:00+08:00")
    wrong = kit.record("checkin", card="D03-0002", code="000000")
    kit.ingest(capsys, data, kit.write(tmp_path / "a", [kit.record("registration"), claim, checkin, wrong,
                                                        kit.record("diary", text="独居老人需要代购药品")]))
    kit.ingest(capsys, data, kit.write(tmp_path / "b", [dict(claim, pledge="改过"), fixed, {"id": "x"}]))
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "junk.json").write_text("junk", "utf-8")
    kit.ingest(capsys, data, tmp_path / "c")
    return data, {"claim": claim, "checkin": checkin, "fixed": fixed, "wrong": wrong}


def ledger(capsys, data: Path, *args: str) -> tuple[int, str, str]:
    status = cli.main(["ledger", *args, "--data", str(data)])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_list_shows_effective_records_with_chinese_headers(filled, capsys):
    data, ids = filled
    status, out, _ = ledger(capsys, data, "list")
    assert status == 0 and out.startswith("记录编号") and "共 5 条" in out
    assert ids["checkin"]["id"] not in out and ids["fixed"]["id"] in out
    _, out, _ = ledger(capsys, data, "list", "--all")
    assert "共 6 条" in out and "已被 0b7e9c1a 更正" in out


@pytest.mark.parametrize("args, count", [(("--type", "checkin"), 2), (("--card", "D03-0002"), 1),
                                         (("--flag", "code_mismatch"), 1), (("--community", "yangguang"), 5),
                                         (("--community", "taidong"), 0)])
def test_list_filters(filled, capsys, args, count):
    data, _ = filled
    status, out, _ = ledger(capsys, data, "list", *args)
    assert status == 0 and f"共 {count} 条" in out


def test_search_finds_text_in_records(filled, capsys):
    data, _ = filled
    _, out, _ = ledger(capsys, data, "search", "代购药品")
    assert "共 1 条" in out and "民情日记" in out


def test_export_writes_csv_with_bom(filled, capsys, tmp_path):
    data, ids = filled
    target = tmp_path / "out" / "ledger.csv"
    status, out, _ = ledger(capsys, data, "export", "--csv", str(target), "--type", "checkin")
    raw = target.read_bytes()
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert status == 0 and raw.startswith(b"\xef\xbb\xbf") and "已导出 2 条" in out
    assert {r["id"]: r["verification"] for r in rows} == {ids["fixed"]["id"]: "verified", ids["wrong"]["id"]: "unverified"}


def test_history_shows_superseded_records_and_conflicts(filled, capsys):
    data, ids = filled
    status, out, _ = ledger(capsys, data, "history", "D03-0001")
    assert status == 0 and ids["checkin"]["id"] in out and ids["fixed"]["id"] in out
    assert "冲突（同一编号内容不同，另存未采用）：1 条" in out and "pledge" in out


def test_conflicts_and_files(filled, capsys):
    data, ids = filled
    _, out, _ = ledger(capsys, data, "conflicts")
    assert ids["claim"]["id"] in out and "'改过'" in out
    _, out, _ = ledger(capsys, data, "files")
    assert "已隔离" in out and "不是 JSON" in out and "退回的记录：1 条" in out


def test_confirm_and_reject_write_decisions_and_verification(filled, capsys):
    data, ids = filled
    status, out, _ = ledger(capsys, data, "confirm", ids["wrong"]["id"], "--by", "阳光社区 张书记", "--note", "现场核实")
    assert status == 0 and "已记录 1 条决定" in out
    assert [c.verification for c in snapshot.read(data / "records.sqlite").checkins if c.card == "D03-0002"] == ["confirmed"]
    ledger(capsys, data, "reject", ids["wrong"]["id"])
    conn = kit.ledger(data)
    assert conn.execute("SELECT verification FROM checkins WHERE record_id = ?", (ids["wrong"]["id"],)).fetchone() == ("rejected",)
    assert [r[0] for r in conn.execute("SELECT decision FROM decisions ORDER BY rowid")] == ["confirmed", "rejected"]
    _, out, _ = ledger(capsys, data, "history", "D03-0002")
    assert "组织者确认记录" in out and "张书记" in out


def test_decision_on_unknown_or_non_checkin_record_is_an_error(filled, capsys):
    data, ids = filled
    status, _, err = ledger(capsys, data, "confirm", "nope", ids["claim"]["id"])
    assert status == 1 and "记录 nope 不在台账中" in err and "是认领岗位与服务承诺记录，不是已知活动的签到" in err
    assert kit.ledger(data).execute("SELECT count(*) FROM decisions").fetchone()[0] == 0


def test_decide_csv_applies_all_or_nothing(filled, capsys, tmp_path):
    data, ids = filled
    bad = tmp_path / "bad.csv"
    bad.write_text(f"record_id,decision,by,note\n{ids['wrong']['id']},确认,张书记,\n{ids['fixed']['id']},maybe,,\n", "utf-8")
    status, _, err = ledger(capsys, data, "decide", str(bad))
    assert status == 1 and f"{bad}:3：无法理解 decision 列的 'maybe'" in err
    assert kit.ledger(data).execute("SELECT count(*) FROM decisions").fetchone()[0] == 0
    good = tmp_path / "good.csv"
    good.write_text(f"record_id,decision,by,note\n{ids['wrong']['id']},确认,张书记,现场核实\n{ids['fixed']['id']},退回,张书记,未到场\n", "utf-8-sig")
    status, out, _ = ledger(capsys, data, "decide", str(good))
    assert status == 0 and "已记录 2 条决定" in out
    rows = kit.ledger(data).execute("SELECT record_id, verification FROM checkins WHERE record_id != ?", (ids["checkin"]["id"],))
    assert dict(rows) == {ids["wrong"]["id"]: "confirmed", ids["fixed"]["id"]: "rejected"}


def test_missing_ledger_is_a_clear_error(tmp_path, capsys):
    status, _, err = ledger(capsys, tmp_path, "list")
    assert status == 1 and "还没有台账" in err
