"""民主测评 CSV: deterministic ids, idempotent re-import, a changed row becomes a correction,
GB18030 from Excel, bad rows rejected by line."""

from __future__ import annotations

from pathlib import Path

import pytest

import exportkit as kit

from site_builder.ledger import snapshot
from site_builder.ledger.evaluation_csv import evaluation_id

HEADER = "card,period,community,grade,pledge_done,notes,important\n"


pytestmark = pytest.mark.usefixtures("fixed_clock")  # tests/conftest.py


def sheet(folder: Path, rows: str, name: str = "民主测评-2026H1.csv", encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes((HEADER + rows).encode(encoding))
    return path


def test_rows_become_evaluation_records_with_deterministic_ids(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    status, out, _ = kit.ingest(capsys, data, sheet(tmp_path / "a", "D03-0001,2026H1,yangguang,优秀,已完成,群众满意,\n"
                                                                    "D03-0002,2026H1,yangguang,不合格,未完成,,是\n"))
    assert status == 2 and "新接收 2 条" in out and "民主测评有重要情况" in out
    snap = snapshot.read(data / "records.sqlite")
    by_card = {r.card: r for r in snap.of("evaluation")}
    assert by_card["D03-0001"].id == evaluation_id("D03-0001", "2026H1", "yangguang")
    assert by_card["D03-0002"].get("important") is True and by_card["D03-0001"].get("grade") == "优秀"
    assert by_card["D03-0002"].flags == {"important"} and not by_card["D03-0001"].flags
    assert by_card["D03-0001"].created_at.date().isoformat() == "2026-06-30"


def test_reimport_of_the_same_rows_in_another_file_changes_nothing(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    kit.ingest(capsys, data, sheet(tmp_path / "a", "D03-0001,2026H1,yangguang,优秀,,,\n"))
    before = kit.dump(data / "records.sqlite")["records"]
    status, out, _ = kit.ingest(capsys, data, sheet(tmp_path / "b", "D03-0001,2026H1,yangguang,优秀,,,\n\n", name="copy.csv"))
    assert status == 0 and "新接收 0 条，已存在 1 条" in out
    assert kit.dump(data / "records.sqlite")["records"] == before


def test_changed_row_is_a_correction_and_both_are_kept(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    kit.ingest(capsys, data, sheet(tmp_path / "a", "D03-0001,2026H1,yangguang,合格,,,\n"))
    kit.ingest(capsys, data, sheet(tmp_path / "b", "D03-0001,2026H1,yangguang,优秀,,复核后更正,\n"))
    kit.ingest(capsys, data, sheet(tmp_path / "c", "D03-0001,2026H1,yangguang,基本合格,,再次更正,\n"))
    again, out, _ = kit.ingest(capsys, data, sheet(tmp_path / "d", "D03-0001,2026H1,yangguang,优秀,,复核后更正,\n\n"))  # an old sheet again
    conn = kit.ledger(data)
    assert conn.execute("SELECT count(*) FROM records").fetchone()[0] == 3
    assert conn.execute("SELECT count(*) FROM conflicts").fetchone()[0] == 0
    assert again == 0 and "已存在 1 条" in out
    effective = snapshot.read(data / "records.sqlite").of("evaluation")
    assert [r.get("grade") for r in effective] == ["基本合格"]


def test_excel_gb18030_sheet_is_read(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    status, out, _ = kit.ingest(capsys, data, sheet(tmp_path / "a", "D03-0001,2026H1,yangguang,合格,完成,,否\n", encoding="gb18030"))
    assert status == 0 and "新接收 1 条" in out


def test_bad_rows_are_rejected_by_line_and_good_rows_kept(tmp_path, capsys):
    data = kit.data_dir(tmp_path)
    rows = ("D03-0001,2026H1,yangguang,优秀,,,\n"
            "D03-0002,2026H3,yangguang,优秀,,,\n"
            "D03-0002,2026H1,yangguang,很好,,,\n"
            "X,2026H1,yangguang,优秀,,,\n"
            "D03-0002,2026H1,yangguang,合格,,,也许\n")
    status, out, _ = kit.ingest(capsys, data, sheet(tmp_path / "a", rows))
    assert status == 2 and "新接收 1 条，已存在 0 条，冲突 0 条，退回 4 条" in out
    for where in ("第 3 行", "第 4 行", "第 5 行", "第 6 行"):
        assert where in out
