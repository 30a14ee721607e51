"""结对帮扶 pairings (ledger/pairings.py): a private file of household references, never names or ID numbers;
coverage per community in the reports; nothing of it on the public site."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from site_builder import cli
from site_builder.errors import ContentErrors
from site_builder.ledger import catalogue, pairings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample" / "pairings.csv"


@pytest.fixture(scope="module")
def content():
    return catalogue.load_content(ROOT / "content", dt.date(2026, 11, 28))


def test_the_sample_file_gives_coverage_per_community(content):
    found = pairings.load(SAMPLE, content)
    rows = {c.community: c for c in pairings.coverage(content, found)}
    assert (rows["yangguang"].listed, rows["yangguang"].paired, rows["yangguang"].unpaired) == (4, 3, ["YG-H-004"])
    assert rows["yangguang"].share == 0.75 and rows["xinqiao"].share == 1.0
    assert list(rows) == [c for c in content.communities if c in rows]  # communities.yaml order


def test_no_file_is_none_not_an_error(tmp_path, content):
    assert pairings.load(tmp_path / "pairings.csv", content) is None


def test_names_ids_and_phones_are_refused_with_their_line(tmp_path, content):
    path = tmp_path / "pairings.csv"
    path.write_text("community,household,card\nyangguang,张大爷,D01-0001\nyangguang,610403199001011234,D01-0002\n"
                    "nowhere,YG-H-9,\nyangguang,YG-H-1,X1\nyangguang,YG-H-2,\nyangguang,YG-H-2,D01-0003\n", "utf-8")
    with pytest.raises(ContentErrors) as caught:
        pairings.load(path, content)
    lines = [str(p).replace(str(path), "pairings.csv") for p in caught.value.problems]
    assert lines[0].startswith("pairings.csv:2：户编号 “张大爷” 不是编号；应为社区自定的户编号")
    assert lines[1].startswith("pairings.csv:3：户编号 “610403199001011234” 不是编号")
    assert lines[2].startswith("pairings.csv:4：社区 “nowhere” 不存在")
    assert lines[3].startswith("pairings.csv:5：“X1” 不是报到卡编号")
    assert lines[4].startswith("pairings.csv:7：户 YG-H-2 重复列出；应为每户只写一行（一对一结对；首次在第 6 行）")


def test_report_writes_coverage_and_the_site_never_sees_it(tmp_path, capsys):
    import shutil

    shutil.copytree(ROOT / "content", tmp_path / "content")
    data = tmp_path / "data"
    data.mkdir()
    for name in ("roster.csv", "pairings.csv"):
        shutil.copy(ROOT / "sample" / name, data / name)
    assert cli.main(["report", "--content", str(tmp_path / "content"), "--out", str(tmp_path / "reports"), "--today", "2026-11-28"]) == 0
    page = (tmp_path / "reports" / "pairings.html").read_text("utf-8")
    assert "阳光社区" in page and "75.0%" in page and "YG-H-004" in page and "袁志" in page
    assert (tmp_path / "reports" / "pairings.xlsx").is_file()
    assert cli.main(["build", "--content", str(tmp_path / "content"), "--out", str(tmp_path / "site"), "--today", "2026-11-28"]) == 0
    capsys.readouterr()
    for file in (tmp_path / "site").rglob("*"):
        if file.is_file() and file.suffix in (".html", ".json", ".xml", ".js"):
            text = file.read_text("utf-8", errors="replace")
            assert "YG-H-00" not in text and "结对帮扶覆盖" not in text, file
