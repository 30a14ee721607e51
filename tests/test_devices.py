"""Forged check-ins are harder: a card is bound to the phone it reported on (报到), and check-ins of the
card from another phone, or from a phone that checks in many cards, are flagged and held for the
organiser (verification unverified until `ledger confirm`), even when the code matched."""

from __future__ import annotations

import exportkit as kit
from site_builder import cli
from site_builder.ledger import devices

PHONE_A = "aaaaaaaa-0000-4000-8000-000000000001"
PHONE_B = "bbbbbbbb-0000-4000-8000-000000000002"
PHONE_C = "cccccccc-0000-4000-8000-000000000003"


def state(data, record_id: str) -> tuple[str, list[str]]:
    conn = kit.ledger(data)
    try:
        verification = conn.execute("SELECT verification FROM checkins WHERE record_id = ?", (record_id,)).fetchone()[0]
        flags = sorted(f for (f,) in conn.execute("SELECT flag FROM flags WHERE record_id = ?", (record_id,)))
    finally:
        conn.close()
    return verification, flags


def test_a_checkin_from_the_phone_the_card_reported_on_counts(tmp_path, capsys, fixed_clock):
    data = kit.data_dir(tmp_path)
    checkin = kit.record("checkin")
    path = kit.write(tmp_path / "in", [kit.record("registration", device=PHONE_A), checkin], device=PHONE_A)
    status, out, _ = kit.ingest(capsys, data, path)
    assert status == 0, out
    assert state(data, checkin["id"]) == ("verified", [])


def test_a_checkin_from_another_phone_is_held_for_the_organiser(tmp_path, capsys, fixed_clock):
    data = kit.data_dir(tmp_path)
    kit.ingest(capsys, data, kit.write(tmp_path / "a", [kit.record("registration", device=PHONE_A)], device=PHONE_A))
    forged = kit.record("checkin")  # the right code, the card's number, another phone
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "b", [forged], device=PHONE_B))
    assert status == 2
    assert "签到手机不是报到时的手机（待确认）" in out
    assert state(data, forged["id"]) == ("unverified", [devices.DEVICE_MISMATCH])
    assert cli.main(["ledger", "confirm", forged["id"], "--content", str(kit.CONTENT), "--data", str(data),
                     "--by", "阳光社区张书记", "--note", "换了手机，现场核实"]) == 0
    assert state(data, forged["id"])[0] == "confirmed"


def test_the_registration_without_a_device_field_binds_the_phone_that_sent_it(tmp_path, capsys, fixed_clock):
    data = kit.data_dir(tmp_path)
    kit.ingest(capsys, data, kit.write(tmp_path / "a", [kit.record("registration")], device=PHONE_A))
    other = kit.record("checkin")
    kit.ingest(capsys, data, kit.write(tmp_path / "b", [other], device=PHONE_B))
    assert state(data, other["id"]) == ("unverified", [devices.DEVICE_MISMATCH])


def test_one_phone_checking_in_many_cards_is_flagged(tmp_path, capsys, fixed_clock):
    data = kit.data_dir(tmp_path)
    two = [kit.record("checkin", card="D03-0001"), kit.record("checkin", card="D03-0002")]
    assert kit.ingest(capsys, data, kit.write(tmp_path / "a", two, device=PHONE_C))[0] == 0  # a couple: fine
    third = kit.record("checkin", card="D01-0001")
    status, out, _ = kit.ingest(capsys, data, kit.write(tmp_path / "b", [third], device=PHONE_C))
    assert status == 2 and "一部手机为多个报到卡签到" in out
    assert state(data, third["id"]) == ("unverified", [devices.SHARED_DEVICE])
    assert [state(data, r["id"])[0] for r in two] == ["verified", "verified"]  # stored before: not flagged again


def test_a_checkin_before_its_cards_registration_is_not_compared(tmp_path, capsys, fixed_clock):
    data = kit.data_dir(tmp_path)
    early = kit.record("checkin")
    kit.ingest(capsys, data, kit.write(tmp_path / "a", [early], device=PHONE_B))
    kit.ingest(capsys, data, kit.write(tmp_path / "b", [kit.record("registration", device=PHONE_A)], device=PHONE_A))
    assert state(data, early["id"]) == ("verified", [])
