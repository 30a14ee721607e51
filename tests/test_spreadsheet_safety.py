"""Spreadsheet safety: every text cell a CSV or XLSX writer puts out that begins with = + - @, a tab or a
carriage return is shown as text by Excel and WPS, never run (a leading ', and in XLSX the cell typed as
a string); characters XML cannot hold never break a report. One function (safetext.sheet_text) does it
for every writer: the private reports and `site-builder ledger export`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import sqlite3

import pytest
from openpyxl import load_workbook

import exportkit as kit

from site_builder import cli, safetext
from site_builder.reports import context, sheets

HOSTILE = ['=HYPERLINK("http://evil.example/","点此")', "+1", "-1", "@x", "\tx", "\rx", "=1+1"]


@pytest.mark.parametrize("value", HOSTILE)
def test_formula_like_text_gets_a_leading_quote(value):
    assert safetext.sheet_text(value) == "'" + value


@pytest.mark.parametrize("value", ["阳光社区", "2026-05-15", "D03-0001", "", "x=1", "'already", "第一党支部"])
def test_ordinary_text_is_unchanged(value):
    assert safetext.sheet_text(value) == value


def test_numbers_stay_numbers_and_controls_become_visible():
    assert [safetext.sheet_text(v) for v in (-1, -1.5, 0, None)] == [-1, -1.5, 0, None]
    assert safetext.sheet_text("王\x0b一\x00") == "王␋一␀"
    assert safetext.sheet_text("a\ud800b\ufffe") == "a�b�"
    assert safetext.sheet_text("\x01=x") == "␁=x"  # no longer begins with =


def basis() -> context.Basis:
    return context.Basis("data/records.sqlite", "data/roster.csv", None, dt.date(2026, 12, 31), 0, [], 0, [], [],
                         "1/2/3", ("=规则",))


def test_xlsx_and_csv_of_a_hostile_table_read_back_as_text(tmp_path):
    values = HOSTILE + ["王\x0b一", "bad\x00nul", "\ud800", "正常"]
    table = sheets.Table("=标题", ("-列",) + tuple(f"c{i}" for i in range(len(values))), [("@行", *values), (-1, *values)],
                         sheet="台账")
    book = load_workbook(io.BytesIO(sheets.xlsx_bytes(table, basis())))
    sheet = book["台账"]
    assert (sheet["A1"].value, sheet["A1"].data_type) == ("'=标题", "s")
    assert sheet["A2"].value == "'-列"
    first, second = list(sheet.iter_rows(min_row=3, max_row=4))
    for row in (first, second):
        cells = row[1:]
        assert all(c.data_type == "s" for c in cells)
        # (XML reads a carriage return back as a line feed: the cell still begins with ')
        assert [c.value for c in cells[:len(HOSTILE)]] == ["'" + v.replace("\r", "\n") for v in HOSTILE]
        assert [c.value for c in cells[len(HOSTILE):]] == ["王␋一", "bad␀nul", "�", "正常"]
    assert (first[0].value, first[0].data_type) == ("'@行", "s")
    assert (second[0].value, second[0].data_type) == (-1, "n")  # a number stays a number
    assert any(c.value == "'=规则" and c.data_type == "s" for c in book["统计口径"]["B"])
    rows = list(csv.reader(io.StringIO(sheets.csv_bytes(table).decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "'-列" and rows[1][0] == "'@行" and rows[2][0] == "-1"
    assert rows[1][1:1 + len(HOSTILE)] == ["'" + v for v in HOSTILE]


@pytest.fixture
def hostile_ledger(tmp_path, monkeypatch):
    """A ledger and roster whose names, branches and pledges look like formulas."""
    monkeypatch.setenv("SITE_BUILDER_NOW", kit.NOW)
    data = kit.data_dir(tmp_path)
    (data / "roster.csv").write_text(
        "card,name,department,branch\n"
        "D03-0001,王一,D03,第一党支部\nD03-0002,李二,D03,第一党支部\n"
        'D01-0001,"=HYPERLINK(""http://evil.example/"",""点此"")",D01,@x\n', "utf-8")
    records = [kit.record("registration", name='=HYPERLINK("x","y")', branch="\tx"),
               kit.record("claim", pledge="+1 保证完成"),
               kit.record("registration", card="D03-0002", name="李二", branch="-1"),
               kit.record("claim", card="D03-0002", pledge="@x 周末服务"),
               kit.record("checkin")]
    kit.write(tmp_path / "inbox", records)
    # 2: the formula-like self-entered name differs from the roster's (name_mismatch), nothing else
    assert cli.main(["ingest", str(tmp_path / "inbox"), "--content", str(kit.CONTENT), "--data", str(data)]) == 2
    conn = sqlite3.connect(data / "records.sqlite")  # what an older or tampered ledger may hold
    with conn:
        conn.execute("UPDATE records SET card = ? WHERE type = 'diary' OR type = 'checkin'", ("=HYPERLINK(\"x\")",))
        conn.execute("UPDATE checkins SET activity = ?, community = ?", ("\tx", "-1"))
        conn.execute("INSERT INTO flags(record_id, flag, detail) SELECT record_id, '@x', 'x' FROM checkins")
    conn.close()
    return data


def test_report_ledgers_are_safe(tmp_path, hostile_ledger, capsys):
    out = tmp_path / "reports"
    status = cli.main(["report", "--content", str(kit.CONTENT), "--data", str(hostile_ledger), "--out", str(out),
                       "--today", "2026-12-31"])
    assert status == 0, capsys.readouterr().err
    book = load_workbook(out / "ledger" / "department-D03.xlsx")
    rows = {row[0].value: row for row in book["台账"].iter_rows(min_row=3)}
    one, two = rows["D03-0001"], rows["D03-0002"]
    assert (one[1].value, one[1].data_type) == ("'=HYPERLINK(\"x\",\"y\")", "s")
    assert (one[3].value, one[8].value) == ("'\tx", "'+1 保证完成")
    assert (two[3].value, two[8].value) == ("'-1", "'@x 周末服务")
    assert all(c.data_type == "s" for c in (one[1], one[3], one[8], two[3], two[8]))
    absent = {row[0].value: row for row in load_workbook(out / "ledger" / "department-D01.xlsx")["台账"].iter_rows(min_row=3)}
    assert absent["D01-0001"][1].value == "'=HYPERLINK(\"http://evil.example/\",\"点此\")"
    assert absent["D01-0001"][3].value == "'@x"
    text = (out / "ledger" / "department-D03.csv").read_bytes().decode("utf-8-sig")
    rows_csv = {row[0]: row for row in csv.reader(io.StringIO(text, newline=""))}
    assert rows_csv["D03-0001"][1] == "'=HYPERLINK(\"x\",\"y\")" and rows_csv["D03-0001"][8] == "'+1 保证完成"
    assert rows_csv["D03-0002"][3] == "'-1"
    for path in out.rglob("*.xlsx"):  # no cell of any report is a formula
        for sheet in load_workbook(path):
            assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"], path


def test_ledger_export_is_safe(tmp_path, hostile_ledger, capsys):
    target = tmp_path / "export.csv"
    status = cli.main(["ledger", "export", "--csv", str(target), "--all", "--content", str(kit.CONTENT),
                       "--data", str(hostile_ledger)])
    assert status == 0, capsys.readouterr().err
    rows = list(csv.DictReader(io.StringIO(target.read_bytes().decode("utf-8-sig"), newline="")))
    checkin = next(row for row in rows if row["type"] == "checkin")
    assert checkin["card"] == "'=HYPERLINK(\"x\")"
    assert checkin["activity"] == "'\tx" and checkin["activity_community"] == "'-1"
    assert checkin["flags"].startswith("'@x")
    assert all(not value.startswith(tuple(safetext.FORMULA_START)) for row in rows for value in row.values())
