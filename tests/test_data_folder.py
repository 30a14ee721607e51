"""One data folder: every command finds data/ beside the content folder (or at --data), from any working
directory. Run from a folder that is not the project, each command reads or writes the same files."""

from __future__ import annotations

import shutil
from pathlib import Path

from site_builder import cli
from site_builder.commands.common import ledger_file_of
from site_builder.ledger import codes

REPO = Path(__file__).resolve().parent.parent


def test_every_command_agrees_on_data_beside_content_from_another_folder(tmp_path, monkeypatch, capsys):
    project, elsewhere = tmp_path / "proj", tmp_path / "elsewhere"
    shutil.copytree(REPO / "content", project / "content")
    (project / "data").mkdir()
    shutil.copy(REPO / "sample" / "roster.csv", project / "data" / "roster.csv")
    shutil.copy(REPO / "sample" / "checkin.key", project / "data" / "checkin.key")
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("SITE_BUILDER_NOW", "2027-01-05T09:00:00+08:00")
    content = "../proj/content"
    ledger = project / "data" / "records.sqlite"

    assert cli.main(["ingest", str(REPO / "sample" / "exports"), "--content", content]) in (0, 2)
    assert ledger.is_file()
    capsys.readouterr()

    assert cli.main(["ledger", "files", "--content", content]) == 0
    assert "sansong-" in capsys.readouterr().out  # the files ingest recorded, read back from the same ledger

    assert cli.main(["codes", "--content", content, "--from", "2026-11-15", "--days", "2",
                     "--out", str(tmp_path / "reports")]) == 0
    key = codes.load_key(project / "data")
    assert codes.code_for(key, "2026-11-15-changlelu") in capsys.readouterr().out  # the project's key, not a new one

    assert cli.main(["report", "--content", content, "--today", "2026-11-28", "--out", str(tmp_path / "reports2")]) == 0
    assert "台账为空" not in (tmp_path / "reports2" / "index.html").read_text("utf-8")

    assert cli.main(["build", "--content", content, "--today", "2026-11-28", "--out", str(tmp_path / "site")]) == 0
    assert 'id="figures-heading"' in (tmp_path / "site" / "index.html").read_text("utf-8")

    serve_args = cli.parser("serve").parse_args(["serve", "--content", content])
    assert ledger_file_of(serve_args).resolve() == ledger.resolve()

    assert not (elsewhere / "data").exists()  # nothing was written beside the working directory


def test_data_option_moves_everything(tmp_path, monkeypatch):
    shutil.copytree(REPO / "content", tmp_path / "content")
    private = tmp_path / "private"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SITE_BUILDER_NOW", "2027-01-05T09:00:00+08:00")
    assert cli.main(["ingest", str(REPO / "sample" / "exports" / "sansong-D01-0003-20260809-095500.json"),
                     "--data", str(private)]) in (0, 2)
    assert (private / "records.sqlite").is_file() and not (tmp_path / "data").exists()
