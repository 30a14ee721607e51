"""No personal field reaches build/site/: the sample site built with and without the sample ledger.

Anything that appears only when the ledger is used came from the ledger, so names, grades and card
numbers are compared between the two builds; phones and diary texts must not appear at all. Reports
are private and are never written inside build/site/.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
from pathlib import Path

import pytest

from site_builder import cli
from site_builder.ledger import snapshot

ROOT = Path(__file__).resolve().parent.parent
TODAY = "2026-12-20"
CARD = re.compile(r"D[0-9]{2}-[0-9]{4}")
PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")  # not digits inside a hex digest (sw.js revisions)


def texts(folder: Path) -> dict[str, str]:
    """Every output file as text (binary files decoded leniently: a name could hide in any of them)."""
    return {str(p.relative_to(folder)): p.read_bytes().decode("utf-8", "replace") for p in sorted(folder.rglob("*")) if p.is_file()}


def occurrences(files: dict[str, str], needle: str) -> int:
    return sum(text.count(needle) for text in files.values())


def _without(text: str, names: set[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "□")
    return text


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("privacy")
    data = tmp / "data"
    data.mkdir()
    for name in ("roster.csv", "checkin.key"):
        shutil.copy(ROOT / "sample" / name, data / name)
    os.environ["SITE_BUILDER_TODAY"] = TODAY
    try:
        status = cli.main(["ingest", str(ROOT / "sample" / "exports"), "--content", str(ROOT / "content"), "--data", str(data)])
        assert status in (0, 2)  # 2: some sample records are flagged on purpose
        ledger = data / "records.sqlite"
        for name, extra in (("with", ["--ledger", str(ledger)]), ("without", ["--ledger", str(tmp / "none.sqlite")])):
            assert cli.main(["build", "--content", str(ROOT / "content"), "--out", str(tmp / name), "--today", TODAY] + extra) == 0
    finally:
        del os.environ["SITE_BUILDER_TODAY"]
    return {"tmp": tmp, "ledger": ledger, "snap": snapshot.read(ledger), "with": texts(tmp / "with"), "without": texts(tmp / "without")}


def test_the_ledger_reached_the_site(sample):
    assert sample["snap"].counted > 100
    home_with, home_without = sample["with"]["index.html"], sample["without"]["index.html"]
    assert home_with != home_without  # figures are shown; otherwise the checks below prove nothing


def test_no_roster_name_without_consent(sample):
    consenting = {str(r.get("name")) for r in sample["snap"].of("registration")
                  if (r.get("consent") or {}).get("honour_roll") is True}
    with (ROOT / "sample" / "roster.csv").open(encoding="utf-8-sig") as f:
        names = {row["name"] for row in csv.DictReader(f)}
    names |= {str(r.get("name")) for r in sample["snap"].of("registration")}
    # a name may be part of a longer consenting name (傅阳 in 傅阳梅): take those out before counting
    masked = {k: _without(v, consenting) for k, v in sample["with"].items()}
    masked_without = {k: _without(v, consenting) for k, v in sample["without"].items()}
    leaked = sorted(n for n in names - consenting if occurrences(masked, n) > occurrences(masked_without, n))
    assert leaked == []
    shown = [n for n in consenting if occurrences(sample["with"], n) > occurrences(sample["without"], n)]
    assert shown, "the honour roll shows consenting members"


def test_no_phone_number(sample):
    phones = {str(r.get("phone")) for r in sample["snap"].of("registration") if r.get("phone")}
    for path, text in sample["with"].items():
        assert not PHONE.search(text), path
        assert not any(phone in text for phone in phones), path


def test_no_card_number_from_the_ledger(sample):
    def cards(files):
        return {c for text in files.values() for c in CARD.findall(text)}
    # card-shaped strings may only be the form's format example, which the site has without any ledger
    assert cards(sample["with"]) <= cards(sample["without"])
    assert len(cards(sample["without"])) <= 1


def test_no_diary_text(sample):
    diaries = sample["snap"].of("diary")
    assert diaries
    for record in diaries:
        for name in ("text", "action", "outcome", "followup"):
            value = str(record.get(name) or "")
            if len(value) >= 6:
                assert occurrences(sample["with"], value) == 0, (name, value)


def test_no_grade_or_evaluation_text(sample):
    evaluations = sample["snap"].of("evaluation")
    assert evaluations
    grades = {str(r.get("grade")) for r in evaluations}
    for grade in grades:
        assert occurrences(sample["with"], grade) == occurrences(sample["without"], grade), grade
    for record in evaluations:
        for name in ("notes", "pledge_done"):
            value = str(record.get(name) or "")
            if len(value) >= 6:
                assert occurrences(sample["with"], value) == 0, (name, value)


def test_no_pledge_text(sample):
    for record in sample["snap"].of("claim"):
        pledge = str(record.get("pledge") or "")
        if len(pledge) >= 8:
            assert occurrences(sample["with"], pledge) == 0, pledge


def test_reports_are_never_written_inside_build_site(sample, tmp_path, capsys):
    site = tmp_path / "build" / "site"
    site.mkdir(parents=True)
    for out in (site, site / "reports", tmp_path / "build"):
        status = cli.main(["report", "--content", str(ROOT / "content"), "--ledger", str(sample["ledger"]),
                           "--roster", str(ROOT / "sample" / "roster.csv"), "--out", str(out), "--today", TODAY])
        assert status == 1
        assert "Traceback" not in capsys.readouterr().err
    assert list(site.iterdir()) == []
    assert not (tmp_path / "build" / "reports").exists()


def test_reports_of_the_sample(sample, tmp_path, capsys):
    out = tmp_path / "reports"
    status = cli.main(["report", "--content", str(ROOT / "content"), "--ledger", str(sample["ledger"]),
                       "--roster", str(ROOT / "sample" / "roster.csv"), "--out", str(out), "--today", TODAY])
    assert status == 0, capsys.readouterr().err
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "registration.html" in index and "ledger/department-D01.xlsx" in index
    assert (out / "registration.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert 'class="unlisted"' in (out / "registration.html").read_text(encoding="utf-8")  # sample cards off the roster
    assert "报表已写入" in capsys.readouterr().out
