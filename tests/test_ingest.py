"""Ingest rules with real export files and a real SQLite ledger: new, known, re-exports, conflicts,
corrections, rejected records, codes, roster, hours, late records, idempotent folders."""

from __future__ import annotations

import json
import shutil

import pytest

import exportkit as kit

from site_builder import cli
from site_builder.ledger import snapshot


pytestmark = pytest.mark.usefixtures("fixed_clock")  # tests/conftest.py


def test_good_file_is_accepted_archived_and_summarised(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    path = kit.write(tmp_path / "inbox", [kit.record("registration"), kit.record("checkin")])
    status, out, err = kit.ingest(capsys, data, path)
    assert status == 0, out + err
    assert "新接收 2 条，已存在 0 条，冲突 0 条，退回 0 条" in out and "全部正常" in out
    digest = kit.dump(data / "records.sqlite")["files"][0][0]
    assert (data / "archive" / f"{digest}.json").read_bytes() == path.read_bytes()
    row = kit.ledger(data).execute("SELECT hours, verification FROM checkins").fetchone()
    assert row == (2.0, "verified")


def test_same_folder_twice_changes_nothing(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    inbox = tmp_path / "inbox"
    kit.write(inbox, [kit.record("registration"), kit.record("claim")])
    kit.write(inbox / "sub", [kit.record("diary", card="D03-0002"), {"id": "broken"}])
    (inbox / "junk.json").write_text("not json", "utf-8")
    first, _, _ = kit.ingest(capsys, data, inbox)
    before = kit.dump(data / "records.sqlite")
    second, out, _ = kit.ingest(capsys, data, inbox)
    assert kit.dump(data / "records.sqlite") == before
    assert first == second == 2
    assert out.count("此文件已处理过") == 2 and "此文件之前已被隔离" in out
    assert "合计：3 个文件（其中已处理过 2 个，隔离 1 个）" in out
    assert len(before["records"]) == 3 and len(before["rejections"]) == 1


def test_re_export_with_more_records_adds_only_the_new_ones(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    old = [kit.record("registration"), kit.record("claim")]
    kit.ingest(capsys, data, kit.write(tmp_path / "a", old))
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "b", old + [kit.record("checkin")],
                                                        exported_at="2026-05-20T08:00:00+08:00"))
    assert status == 0
    assert "新接收 1 条，已存在 2 条，冲突 0 条，退回 0 条" in out
    assert kit.ledger(data).execute("SELECT count(*) FROM records").fetchone()[0] == 3


def test_duplicate_record_inside_one_file_is_stored_once(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    one = kit.record("diary")
    _, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "in", [one, dict(one)]))
    assert "新接收 1 条，已存在 1 条" in out


def test_same_id_different_content_is_a_conflict_never_applied(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    original = kit.record("claim")
    kit.ingest(capsys, data, kit.write(tmp_path / "a", [original]))
    edited = dict(original, pledge="改过的承诺")
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "b", [edited]))
    assert status == 2
    assert "冲突 1 条" in out and original["id"] in out and "需要处理" in out
    conn = kit.ledger(data)
    assert json.loads(conn.execute("SELECT body FROM records").fetchone()[0])["pledge"] == original["pledge"]
    assert json.loads(conn.execute("SELECT body FROM conflicts").fetchone()[0])["pledge"] == "改过的承诺"


@pytest.mark.parametrize("order", ["original first", "correction first"])
def test_correction_supersedes_in_either_arrival_order(tmp_path, capsys, order):
    data = kit.data_dir(tmp_path)
    original = kit.record("checkin", checked_out_at=None)
    fixed = dict(original, id="0b7e9c1a-1111-4222-8333-444455556666", replaces=original["id"],
                 created_at="2026-05-16T09:00:00+08:00", checked_out_at="2026-05-15T10:30:00+08:00")
    files = [kit.write(tmp_path / "a", [original]), kit.write(tmp_path / "b", [fixed])]
    for path in files if order == "original first" else files[::-1]:
        kit.ingest(capsys, data, path)
    conn = kit.ledger(data)
    assert conn.execute("SELECT id, superseded_by FROM records ORDER BY created_at").fetchall() == [
        (original["id"], fixed["id"]), (fixed["id"], None)]
    assert conn.execute("SELECT count(*) FROM flags WHERE flag = 'replaces_pending'").fetchone()[0] == 0
    # the correction changes the hours: the original counts until an organiser confirms it (ledger/trust.py)
    assert conn.execute("SELECT flag FROM flags WHERE record_id = ?", (fixed["id"],)).fetchall() == [("correction_unconfirmed",)]
    assert [(c.record.id, c.hours) for c in snapshot.read(data / "records.sqlite").checkins] == [(original["id"], 2.5)]
    conn.close()
    assert cli.main(["ledger", "confirm", fixed["id"], "--data", str(data), "--by", "阳光社区"]) == 0
    assert [(c.record.id, c.hours) for c in snapshot.read(data / "records.sqlite").checkins] == [(fixed["id"], 1.5)]


def test_correction_of_another_card_is_rejected(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    original = kit.record("claim")
    kit.ingest(capsys, data, kit.write(tmp_path / "a", [original]))
    other = kit.record("claim", card="D03-0002", replaces=original["id"])
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "b", [other]))
    assert status == 2 and "类型或报到卡号不同" in out


def test_bad_records_are_rejected_with_reasons_and_good_ones_kept(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    records = [
        kit.record("registration"),
        kit.record("checkin", code="12ab56"),
        kit.record("claim", posts=["TD-BM-01"]),
        kit.record("diary", community="nowhere"),
        kit.record("evaluation", grade="很好"),
        kit.record("registration", card="D77-0001"),
        kit.record("diary", created_at="2026-13-40T09:00:00+08:00"),
        kit.record("checkin", checked_out_at="2026-05-15T08:00:00+08:00"),
        "not an object",
        kit.record("claim"),
    ]
    status, out, err = kit.ingest(capsys, data, kit.write(tmp_path / "in", records))
    assert status == 2 and "Traceback" not in err
    assert "新接收 2 条，已存在 0 条，冲突 0 条，退回 8 条" in out
    for reason in ("签到码 code 格式不对", "不是社区 yangguang 的岗位", "社区 nowhere 不在 communities.yaml 中",
                   "测评等次“很好”", "单位代码 D77", "不是有效的日期时间", "签退时间早于签到时间", "第 9 条记录"):
        assert reason in out, reason
    conn = kit.ledger(data)
    assert conn.execute("SELECT count(*) FROM rejections").fetchone()[0] == 8
    assert conn.execute("SELECT accepted, rejected FROM files").fetchone() == (2, 8)


def test_codes_right_wrong_and_without_key(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    right, wrong = kit.record("checkin"), kit.record("checkin", card="D03-0002", code="000000")
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "in", [right, wrong]))
    conn = kit.ledger(data)
    assert dict(conn.execute("SELECT record_id, verification FROM checkins")) == {right["id"]: "verified", wrong["id"]: "unverified"}
    assert conn.execute("SELECT record_id FROM flags WHERE flag = 'code_mismatch'").fetchall() == [(wrong["id"],)]
    assert status == 2 and "签到码不符" in out
    nokey = kit.data_dir(tmp_path / "nokey", key=False)
    _, out, _ = kit.ingest(capsys, nokey, kit.write(tmp_path / "in2", [kit.record("checkin")]))
    assert "没有签到密钥" in out
    assert kit.ledger(nokey).execute("SELECT verification FROM checkins").fetchone() == ("unverified",)


def test_unknown_card_is_kept_and_flagged_and_no_roster_flags_nothing(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    stranger = kit.record("registration", card="D03-0099")
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "in", [stranger]))
    assert status == 2 and "报到卡号不在花名册：1 条" in out
    assert kit.ledger(data).execute("SELECT flag FROM flags").fetchall() == [("unknown_card",)]
    bare = kit.data_dir(tmp_path / "bare", roster=False)
    status, out, _ = kit.ingest(capsys, bare, kit.write(tmp_path / "in2", [stranger]))
    assert status == 0 and "没有花名册" in out
    assert kit.ledger(bare).execute("SELECT count(*) FROM flags").fetchone()[0] == 0


def test_roster_with_bom_is_read(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    (data / "roster.csv").write_bytes("\ufeff".encode() + kit.ROSTER.encode())
    status, _, _ = kit.ingest(capsys, data, kit.write(tmp_path / "in", [kit.record("registration")]))
    assert status == 0


def test_hours_missing_checkout_capped_late_and_unknown_activity(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    missing = kit.record("checkin", checked_out_at=None)
    long = kit.record("checkin", card="D03-0002", checked_out_at="2026-05-15T15:00:00+08:00")
    late = kit.record("checkin", card="D01-0001", created_at="2026-06-01T09:00:00+08:00")
    in_time = kit.record("checkin", card="D01-0001", created_at="2026-05-29T09:00:00+08:00",
                         activity="2026-06-16-taidong", checked_in_at="2026-06-16T14:00:00+08:00",
                         checked_out_at="2026-06-16T15:15:00+08:00")
    ghost = kit.record("checkin", activity="2026-07-01-nowhere")
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "in", [missing, long, late, in_time, ghost]))
    conn = kit.ledger(data)
    hours = dict(conn.execute("SELECT record_id, hours FROM checkins"))
    assert hours == {missing["id"]: 2.5, long["id"]: 2.5, late["id"]: 2.0, in_time["id"]: 1.25}
    flags = {(r, f) for r, f in conn.execute("SELECT record_id, flag FROM flags")}
    assert {(missing["id"], "missing_checkout"), (long["id"], "capped"), (late["id"], "late"),
            (ghost["id"], "unknown_activity")} <= flags
    assert (in_time["id"], "late") not in flags
    assert status == 2 and "未签退" in out and "超过规定工作日" in out and "活动不在活动表中" in out


def test_party_duties_never_carry_hours(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    kit.ingest(capsys, data, kit.write(tmp_path / "in", [kit.record(t) for t in ("registration", "claim", "diary")]))
    assert kit.ledger(data).execute("SELECT count(*) FROM checkins").fetchone()[0] == 0
    assert snapshot.read(data / "records.sqlite").checkins == []


def test_ledger_path_and_data_dir_are_settings(tmp_path, capsys):
    from site_builder import cli

    data = kit.data_dir(tmp_path)
    target = tmp_path / "elsewhere" / "ledger.sqlite"
    status = cli.main(["ingest", str(kit.write(tmp_path / "in", [kit.record("diary")])), "--content", str(kit.CONTENT),
                       "--data", str(data), "--ledger", str(target)])
    assert status == 0 and target.exists() and not (data / "records.sqlite").exists()


def test_snapshot_reads_what_ingest_wrote(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    shutil.copy(kit.CONTENT / "site.yaml", tmp_path / "unused.yaml")
    kit.ingest(capsys, data, kit.write(tmp_path / "in", [kit.record("registration"), kit.record("checkin")]))
    snap = snapshot.read(data / "records.sqlite")
    assert snap.files == 1 and [r.card for r in snap.of("registration")] == ["D03-0001"]
    assert snap.checkins[0].counts and snap.checkins[0].community == "yangguang"


def test_unknown_activity_gets_hours_once_the_content_has_it(tmp_path, capsys):
    content = tmp_path / "content"
    shutil.copytree(kit.CONTENT, content)
    activities = content / "activities" / "2026.yaml"
    original = activities.read_text("utf-8")
    activities.write_text(original.split("- id: 2026-12-15-yangguang")[0], "utf-8")
    data = kit.data_dir(tmp_path)
    from site_builder import cli
    from site_builder.ledger import codes

    early = kit.record("checkin", activity="2026-12-15-yangguang", code=codes.code_for(kit.KEY, "2026-12-15-yangguang"),
                       created_at="2026-12-15T09:00:00+08:00", checked_in_at="2026-12-15T09:00:00+08:00",
                       checked_out_at="2026-12-15T10:00:00+08:00")
    argv = ["ingest", str(kit.write(tmp_path / "in", [early])), "--content", str(content), "--data", str(data)]
    assert cli.main(argv) == 2
    assert kit.ledger(data).execute("SELECT count(*) FROM checkins").fetchone()[0] == 0
    activities.write_text(original, "utf-8")
    status = cli.main(argv)
    out = capsys.readouterr().out
    assert status == 0 and "之前活动未知的 1 条签到现已计算时长" in out
    conn = kit.ledger(data)
    assert conn.execute("SELECT hours, verification FROM checkins").fetchone() == (1.0, "verified")
    assert conn.execute("SELECT count(*) FROM flags").fetchone()[0] == 0


def test_record_made_after_it_was_received_is_kept_and_flagged_clock_ahead(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SITE_BUILDER_NOW", "2026-06-01T10:00:00+08:00")
    data = kit.data_dir(tmp_path)
    ahead = kit.record("diary", created_at="2026-06-09T10:00:00+08:00")
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "in", [kit.record("registration"), ahead]))
    assert status == 2 and "手机时钟可能不准" in out
    flags = kit.ledger(data).execute("SELECT record_id, flag FROM flags").fetchall()
    assert flags == [(ahead["id"], "clock_ahead")]


def test_full_width_card_and_code_are_read_as_typed_on_a_phone(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    record = kit.record("checkin", card="Ｄ０３－０００１", code="１２３４５６")
    kit.write(tmp_path / "inbox", [record])
    status, out, _ = kit.ingest(capsys, data, tmp_path / "inbox")
    assert "新接收 1 条" in out
    card, body = kit.ledger(data).execute("SELECT card, body FROM records").fetchone()
    assert card == "D03-0001" and '"code":"123456"' in body


def test_a_checkin_two_weeks_early_is_refused_and_one_on_another_day_flagged(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    activity = "2026-05-15-yangguang"
    early = kit.record("checkin", activity=activity, checked_in_at="2026-05-01T09:00:00+08:00",
                       checked_out_at="2026-05-01T10:00:00+08:00", created_at="2026-05-01T10:00:00+08:00")
    next_day = kit.record("checkin", activity=activity, card="D03-0002", checked_in_at="2026-05-16T09:00:00+08:00",
                          checked_out_at="2026-05-16T10:00:00+08:00", created_at="2026-05-16T10:00:00+08:00")
    kit.write(tmp_path / "inbox", [early, next_day])
    status, out, _ = kit.ingest(capsys, data, tmp_path / "inbox")
    assert status == 2 and "退回 1 条" in out and "早一天以上" in out
    flags = kit.ledger(data).execute("SELECT record_id, flag FROM flags WHERE flag = 'date_mismatch'").fetchall()
    assert flags == [(next_day["id"], "date_mismatch")]
