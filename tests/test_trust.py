"""Consent and identity only from trusted sources (issue 12, case 2): every attack of the issue, through
the real ingest, the real ledger and the public figures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from pathlib import Path

import pytest

import exportkit as kit

from site_builder import aggregates, cli
from site_builder import content as content_loader
from site_builder.ledger import codes, snapshot

pytestmark = pytest.mark.usefixtures("fixed_clock")
TODAY = dt.date(2026, 12, 20)
PHONE_A = "3f1c9a2e-0000-4000-8000-00000000000a"
PHONE_B = "3f1c9a2e-0000-4000-8000-00000000000b"
ACTIVITY = "2026-05-15-yangguang"


def content():
    loaded, problems = content_loader.load(kit.CONTENT, False, TODAY)
    assert loaded is not None and not problems
    site = loaded.site
    loaded.site = dataclasses.replace(site, min_group=1,
                                      targets=dataclasses.replace(site.targets, activities_per_member=1))
    return loaded


def honour(data: Path) -> list[str]:
    return [entry["name"] for entry in aggregates.public_figures(content(), data / "records.sqlite", TODAY)["honour_roll"]]


def flags(data: Path, record_id: str) -> set[str]:
    conn = kit.ledger(data)
    try:
        return {flag for (flag,) in conn.execute("SELECT flag FROM flags WHERE record_id = ?", (record_id,))}
    finally:
        conn.close()


def member(tmp_path: Path, capsys, consent: bool = False, **fields) -> tuple[Path, dict]:
    """王一 (D03-0001) registered from phone A, with one verified check-in."""
    data = kit.data_dir(tmp_path)
    registration = kit.record("registration", consent={"honour_roll": consent, "stories": False}, **fields)
    checkin = kit.record("checkin", created_at="2026-05-15T11:00:00+08:00")
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "phone-a", [registration, checkin], device=PHONE_A))
    assert status == (2 if fields else 0), out  # a name other than the roster's needs attention
    return data, registration


def test_a_correction_cannot_switch_consent_on_until_an_organiser_confirms(tmp_path, capsys):
    data, registration = member(tmp_path, capsys, consent=False)
    forged = dict(registration, id=str(uuid.uuid4()), replaces=registration["id"], created_at="2026-06-01T09:00:00+08:00",
                  consent={"honour_roll": True, "stories": True})
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "phone-b", [forged], device=PHONE_B))
    assert status == 2 and "更正改变了时长、身份或公开同意（待组织者确认）：1 条" in out
    assert flags(data, forged["id"]) == {"correction_unconfirmed"}
    assert honour(data) == []  # the member never consented: not on the 光荣榜
    assert cli.main(["ledger", "confirm", forged["id"], "--data", str(data), "--by", "区委组织部"]) == 0
    assert honour(data) == ["王一"]


def test_consent_switched_on_from_another_phone_waits_for_confirmation(tmp_path, capsys):
    data, registration = member(tmp_path, capsys, consent=False)
    other = kit.record("registration", created_at="2026-06-01T09:00:00+08:00", consent={"honour_roll": True, "stories": False})
    status, _, _ = kit.ingest(capsys, data, kit.write(tmp_path / "phone-b", [other], device=PHONE_B))
    assert status == 2 and flags(data, other["id"]) == {"consent_unconfirmed"}
    assert honour(data) == []
    # the same member's own phone may switch it on
    own = kit.record("registration", created_at="2026-06-02T09:00:00+08:00", consent={"honour_roll": True, "stories": False})
    kit.ingest(capsys, data, kit.write(tmp_path / "phone-a2", [own], device=PHONE_A))
    assert flags(data, own["id"]) == set() and honour(data) == ["王一"]


def test_withdrawing_consent_needs_nobody(tmp_path, capsys):
    data, registration = member(tmp_path, capsys, consent=True)
    assert honour(data) == ["王一"]
    withdrawn = dict(registration, id=str(uuid.uuid4()), replaces=registration["id"], created_at="2026-06-01T09:00:00+08:00",
                     consent={"honour_roll": False, "stories": False}, name="王 一")
    kit.ingest(capsys, data, kit.write(tmp_path / "later", [withdrawn], device=PHONE_A))
    assert "correction_unconfirmed" not in flags(data, withdrawn["id"])
    assert honour(data) == []


def test_names_on_the_honour_roll_come_from_the_roster_never_from_a_record(tmp_path, capsys):
    data, registration = member(tmp_path, capsys, consent=True, name="伪造姓名甲")
    assert flags(data, registration["id"]) == {"name_mismatch"}
    assert honour(data) == ["王一"]
    built = json.dumps(aggregates.public_figures(content(), data / "records.sqlite", TODAY), ensure_ascii=False)
    assert "伪造姓名甲" not in built
    (data / "roster.csv").unlink()  # without a roster nobody is named
    assert honour(data) == []


def test_a_correction_cannot_cut_another_members_hours_until_confirmed(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    original = kit.record("checkin", checked_in_at="2026-05-15T09:00:00+08:00", checked_out_at="2026-05-15T11:30:00+08:00")
    kit.ingest(capsys, data, kit.write(tmp_path / "a", [original], device=PHONE_A))
    cut = dict(original, id=str(uuid.uuid4()), replaces=original["id"], created_at="2026-05-16T09:00:00+08:00",
               checked_out_at="2026-05-15T09:30:00+08:00")
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "b", [cut], device=PHONE_B))
    assert status == 2 and "此更正改变了签到时长" in kit.ledger(data).execute(
        "SELECT detail FROM flags WHERE record_id = ?", (cut["id"],)).fetchone()[0]
    assert [(c.record.id, c.hours) for c in snapshot.read(data / "records.sqlite").checkins] == [(original["id"], 2.5)]
    listed = capsys.readouterr()
    assert cli.main(["ledger", "list", "--flag", "correction_unconfirmed", "--data", str(data)]) == 0
    assert cut["id"] in capsys.readouterr().out and listed is not None
    assert cli.main(["ledger", "reject", cut["id"], "--data", str(data)]) == 0
    assert [c.hours for c in snapshot.read(data / "records.sqlite").checkins] == [2.5]


def test_a_file_of_guessed_codes_counts_none_of_them(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    right = codes.code_for(kit.KEY, ACTIVITY)
    guesses = [f"{n:06d}" for n in range(1000) if f"{n:06d}" != right][:999] + [right]
    records = [kit.record("checkin", code=code) for code in guesses]
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "guess", records))
    assert status == 2 and "疑为猜码" in out
    hit = records[-1]["id"]
    assert "code_guessing" in flags(data, hit)
    assert [c for c in snapshot.read(data / "records.sqlite").checkins if c.counts] == []
    assert cli.main(["ledger", "confirm", hit, "--data", str(data)]) == 0
    assert [c.record.id for c in snapshot.read(data / "records.sqlite").checkins if c.counts] == [hit]


def test_one_or_two_typing_mistakes_are_not_guessing(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    records = [kit.record("checkin", code="000000"), kit.record("checkin")]
    kit.ingest(capsys, data, kit.write(tmp_path / "typo", records))
    assert "code_guessing" not in flags(data, records[1]["id"])
    assert [c.record.id for c in snapshot.read(data / "records.sqlite").checkins if c.counts] == [records[1]["id"]]


def test_guessing_flags_each_check_in_of_a_guessed_activity_in_the_file_only(tmp_path):
    """trust.guessing writes code_guessing by SQL over the file's `checkins` rows: every check-in of an
    activity with 3 or more wrong codes, with that activity's count in the detail; an earlier file's
    check-ins, and activities below the limit, untouched. 300 activities: more than one statement's worth."""
    from site_builder.ledger import db, trust

    conn = db.connect(tmp_path / "records.sqlite")
    conn.execute("INSERT INTO files(sha256, name, size, received_at, status) VALUES ('f', 'f.json', 1, 'now', 'ingested')")
    activities = [f"2026-05-{n:03d}" for n in range(300)]

    def store(prefix: str) -> None:
        for activity in activities:
            for n in range(3):
                record_id = f"{prefix}-{activity}-{n}"
                conn.execute("INSERT INTO records(id, type, card, created_at, schema, body, digest, file_sha256, ingested_at)"
                             " VALUES (?, 'checkin', 'D03-0001', 'then', 1, '{}', 'd', 'f', 'now')", (record_id,))
                conn.execute("INSERT INTO checkins(record_id, activity, activity_date, hours, verification)"
                             " VALUES (?, ?, '2026-05-15', 1, 'verified')", (record_id, activity))

    store("earlier")
    after = conn.execute("SELECT max(rowid) FROM checkins").fetchone()[0]
    store("file")
    wrong = {activity: n % 4 for n, activity in enumerate(activities)}  # 3 wrong codes: every 4th activity
    assert trust.guessing(conn, wrong, after) == {trust.CODE_GUESSING: 75 * 3}
    found = conn.execute("SELECT record_id, detail FROM flags WHERE flag = 'code_guessing'").fetchall()
    guessed = [a for a in activities if wrong[a] >= trust.GUESS_LIMIT]
    assert sorted(found) == sorted((f"file-{a}-{n}", f"同一文件中活动 {a} 有 3 个错误签到码，疑为猜码；本文件中此活动的签到均须组织者确认")
                                   for a in guessed for n in range(3))
    held = conn.execute("SELECT record_id FROM checkins WHERE verification = 'unverified'").fetchall()
    assert sorted(r for (r,) in held) == sorted(f"file-{a}-{n}" for a in guessed for n in range(3))
    assert trust.guessing(conn, {activities[0]: 2}, after) == {}
