"""Check-in codes: the key (created once, 0600, 32 bytes), 6-digit HMAC codes, the `codes` command and
its printable QR sheet under build/reports/codes/."""

from __future__ import annotations

import hashlib
import hmac
import stat

import pytest

import exportkit as kit

from site_builder import cli
from site_builder.errors import LedgerError
from site_builder.ledger import codes, codesheet


def test_key_is_created_once_with_mode_0600(tmp_path):
    key = codes.ensure_key(tmp_path / "data")
    path = tmp_path / "data" / "checkin.key"
    assert len(key) == 32 and path.read_bytes() == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert codes.ensure_key(tmp_path / "data") == key
    assert codes.load_key(tmp_path / "nothing") is None


def test_short_key_is_refused(tmp_path):
    (tmp_path / "checkin.key").write_bytes(b"short")
    with pytest.raises(LedgerError, match="应为 32 个随机字节"):
        codes.load_key(tmp_path)


def test_code_is_six_digits_from_hmac_of_the_activity_id():
    code = codes.code_for(kit.KEY, "2026-05-15-yangguang")
    digest = hmac.new(kit.KEY, b"2026-05-15-yangguang", hashlib.sha256).digest()
    assert code == f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}" and len(code) == 6
    assert code != codes.code_for(kit.KEY, "2026-06-16-taidong")
    assert codes.matches(kit.KEY, "2026-05-15-yangguang", code) and not codes.matches(kit.KEY, "2026-05-15-yangguang", "000000")


def test_checkin_url_keeps_base_path():
    assert codesheet.checkin_url("https://x.cn/sansong", "a-1", "012345") == "https://x.cn/sansong/checkin/?a=a-1&c=012345"


def test_codes_command_prints_upcoming_codes_and_writes_private_sheet(tmp_path, capsys):
    data, out = tmp_path / "data", tmp_path / "reports"
    status = cli.main(["codes", "--from", "2026-05-01", "--days", "31", "--content", str(kit.CONTENT),
                       "--data", str(data), "--out", str(out)])
    printed = capsys.readouterr().out
    key = (data / "checkin.key").read_bytes()
    assert status == 0
    assert codes.code_for(key, "2026-05-15-yangguang") in printed and "2026-06-16-taidong" not in printed
    sheets = list((out / "codes").glob("*.html"))
    assert len(sheets) == 1
    html = sheets[0].read_text("utf-8")
    assert html.count("<svg") == 1 and "五月党员活动日" in html
    assert f"https://test.example.cn/checkin/?a=2026-05-15-yangguang&amp;c={codes.code_for(key, '2026-05-15-yangguang')}" in html


def test_codes_command_rejects_bad_dates(tmp_path, capsys):
    status = cli.main(["codes", "--from", "May 1", "--content", str(kit.CONTENT), "--data", str(tmp_path)])
    assert status == 1 and "不是日期；应为 YYYY-MM-DD" in capsys.readouterr().err
