"""The roster: data/roster.csv, the 报到卡 departments issued (card, name, department, branch)."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from site_builder.errors import Problem, ContentErrors

ROSTER_FILE = "roster.csv"
COLUMNS = ("card", "name", "department", "branch")
CARD = re.compile(r"^D[0-9]{2}-[0-9]{4}$")


@dataclass(frozen=True)
class Member:
    card: str
    name: str
    department: str
    branch: str


def decode(data: bytes) -> str:
    """UTF-8 with or without BOM; GB18030 (Excel's default on Chinese Windows) as a fallback."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def load(path: Path) -> dict[str, Member] | None:
    """Members by card, or None when the roster file does not exist."""
    path = Path(path)
    if not path.exists():
        return None
    rows = csv.DictReader(io.StringIO(decode(path.read_bytes())))
    missing = [c for c in COLUMNS if c not in (rows.fieldnames or [])]
    if missing:
        raise ContentErrors([Problem(str(path), 1, f"roster lacks column(s) {', '.join(missing)}",
                                     "a header line card,name,department,branch")], nothing_written=True)
    members: dict[str, Member] = {}
    problems = []
    for line, row in enumerate(rows, start=2):
        card = (row.get("card") or "").strip()
        if not CARD.match(card):
            problems.append(Problem(str(path), line, f"card {card!r} is not a 报到卡 number", "D<two digits>-<four digits>, e.g. D03-0042"))
            continue
        members[card] = Member(card, (row.get("name") or "").strip(), (row.get("department") or "").strip(),
                               (row.get("branch") or "").strip())
    if problems:
        raise ContentErrors(problems)
    return members
