"""`site-builder ingest` starts without what it does not need: the site build (Jinja, the renderers) and
jsonschema (asked only for the reasons of a record the compiled check refuses)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import exportkit as kit

ROOT = Path(__file__).resolve().parent.parent
PROBE = """
import json, sys
from site_builder import cli
status = cli.main(sys.argv[1:])
print(json.dumps({"status": status, "build": "site_builder.build" in sys.modules, "jsonschema": "jsonschema" in sys.modules}))
"""


def ingest_in_a_fresh_process(data: Path, path: Path) -> dict:
    run = subprocess.run([sys.executable, "-c", PROBE, "ingest", str(path), "--content", str(kit.CONTENT), "--data", str(data)],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_a_valid_file_is_ingested_without_the_build_or_jsonschema(tmp_path):
    data = kit.data_dir(tmp_path)
    found = ingest_in_a_fresh_process(data, kit.write(tmp_path / "in", [kit.record("registration")]))
    assert found == {"status": 0, "build": False, "jsonschema": False}


def test_a_refused_record_still_gets_jsonschema_s_reasons(tmp_path):
    data = kit.data_dir(tmp_path)
    bad = kit.record("registration")
    del bad["name"]
    found = ingest_in_a_fresh_process(data, kit.write(tmp_path / "in", [bad]))
    assert found == {"status": 2, "build": False, "jsonschema": True}
    rows = kit.ledger(data).execute("SELECT reason FROM rejections").fetchall()
    assert len(rows) == 1 and "name" in rows[0][0]
