"""One rule for where the ledger lives: ingest writes data/records.sqlite beside content/, and build and
report read that same file without being told (no command has a default of its own)."""

from __future__ import annotations

import shutil
from pathlib import Path

from site_builder import cli

REPO = Path(__file__).resolve().parent.parent


def test_ingest_build_and_report_agree_on_the_default_ledger(tmp_path, monkeypatch, capsys):
    shutil.copytree(REPO / "content", tmp_path / "content")
    (tmp_path / "data").mkdir()
    shutil.copy(REPO / "sample" / "roster.csv", tmp_path / "data" / "roster.csv")
    shutil.copy(REPO / "sample" / "checkin.key", tmp_path / "data" / "checkin.key")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITE_BUILDER_NOW", "2027-01-05T09:00:00+08:00")
    assert cli.main(["ingest", str(REPO / "sample" / "exports")]) in (0, 2)
    assert (tmp_path / "data" / "records.sqlite").is_file()

    assert cli.main(["build", "--today", "2026-11-28"]) == 0
    home = (tmp_path / "build" / "site" / "index.html").read_text("utf-8")
    assert 'id="figures-heading"' in home  # the figures came from the ledger ingest wrote

    assert cli.main(["report", "--today", "2026-11-28"]) == 0
    assert "台账为空" not in (tmp_path / "build" / "reports" / "index.html").read_text("utf-8")
