"""The committed sample (sample/) is what the generator writes, matches content/, and ingests cleanly;
the full generated year looks like the programme's year (registration rates, activities per member)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from site_builder import cli
from site_builder import sample
from site_builder.ledger import codes
from site_builder.sample_people import roster_csv

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample"
CONTENT = ROOT / "content"
REGENERATE = ".venv/bin/python -m site_builder.sample --out sample/exports --subset --roster sample/roster.csv --key sample/checkin.key"


@pytest.fixture(scope="module")
def content():
    return sample.load_content(CONTENT)


@pytest.fixture(scope="module")
def year(content):
    return sample.generate(content, 1, dt.date(content.site.year, 12, 31), subset=False)


def test_committed_sample_is_the_generators_output(content):
    expected = sample.generate(content, 1, dt.date(content.site.year, 12, 31), subset=True)
    committed = {p.name: p.read_bytes() for p in (SAMPLE / "exports").iterdir()}
    assert committed == expected, f"sample/ is out of date with content/: regenerate with {REGENERATE}"
    assert (SAMPLE / "roster.csv").read_bytes() == roster_csv(sample.Year(content, 1, dt.date.today()).people)
    assert (SAMPLE / "checkin.key").read_bytes() == sample.demo_key(1)


def test_roster_headcounts_match_departments(content):
    rows = list(csv.DictReader((SAMPLE / "roster.csv").open(encoding="utf-8")))
    per_department = Counter(r["department"] for r in rows)
    assert per_department == {code: d.headcount for code, d in content.departments.items()}
    assert all(r["card"].startswith(r["department"] + "-") for r in rows)


def test_file_names_and_format_are_the_apps(content):
    for path in (SAMPLE / "exports").glob("*.json"):
        document = json.loads(path.read_bytes())
        card = path.name.split("-", 1)[1].rsplit("-", 2)[0]
        assert path.name.startswith(f"sansong-{card}-") and document["format"] == "sansong-records"
        assert {r["card"] for r in document["records"]} == {card}


def test_sample_ingests_cleanly_with_every_case(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SITE_BUILDER_NOW", "2027-01-05T09:00:00+08:00")
    data = tmp_path / "data"
    data.mkdir()
    for name in ("roster.csv", "checkin.key"):
        (data / name).write_bytes((SAMPLE / name).read_bytes())
    status = cli.main(["ingest", str(SAMPLE / "exports"), "--data", str(data)])
    out = capsys.readouterr().out
    totals = out.split("合计：")[1]
    assert status == 2 and "冲突 0 条，退回 0 条" in totals and "隔离 0 个" in totals
    conn = sqlite3.connect(data / "records.sqlite")
    assert conn.execute("SELECT count(*) FROM files WHERE status = 'quarantined'").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM rejections").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM conflicts").fetchone()[0] == 0
    flags = {f for (f,) in conn.execute("SELECT DISTINCT flag FROM flags")}
    assert {"code_mismatch", "missing_checkout", "unknown_card", "late"} <= flags
    assert conn.execute("SELECT count(*) FROM records WHERE superseded_by IS NOT NULL").fetchone()[0] == 1
    assert conn.execute("SELECT sum(known) FROM files").fetchone()[0] > 0  # re-exports
    assert {t for (t,) in conn.execute("SELECT DISTINCT type FROM records")} == {
        "registration", "claim", "checkin", "diary", "evaluation"}


def test_generated_year_is_realistic(content, year):
    records = [r for name, data in year.items() if name.endswith(".json") for r in json.loads(data)["records"]]
    registrations = {r["card"]: r for r in records if r["type"] == "registration"}
    for code, department in content.departments.items():
        registered = sum(1 for card in registrations if card.startswith(code + "-") and int(card[4:]) <= department.headcount)
        assert 0.6 <= registered / department.headcount <= 1.0, code
    deadline = f"{content.site.year}-05-10T23:59"
    on_time = sum(1 for r in registrations.values() if r["created_at"] <= deadline)
    assert 0.8 <= on_time / len(registrations) < 1.0
    per_member = Counter({card: 0 for card in registrations})
    per_member.update(r["card"] for r in {r["id"]: r for r in records if r["type"] == "checkin" and "replaces" not in r}.values())
    assert max(per_member.values()) <= 10 and min(per_member.values()) == 0
    assert 3 <= sum(per_member.values()) / len(per_member) <= 6
    key = sample.demo_key(1)
    wrong = [r for r in records if r["type"] == "checkin" and not codes.matches(key, r["activity"], r["code"])]
    assert 0 < len(wrong) < 0.05 * len(per_member) * 5


def test_generator_is_deterministic_and_seed_dependent(content):
    until = dt.date(content.site.year, 6, 30)
    first = sample.generate(content, 7, until, subset=True)
    assert first == sample.generate(content, 7, until, subset=True)
    assert first != sample.generate(content, 8, until, subset=True)
