"""结对帮扶 pairings: each 科级以上 leader of a liaison department paired one-to-one with a household in
need of the community (实施方案 三(一)6, 三(四)6). Private: `data/pairings.csv`, never in content/ or the
public site. Columns `community,household,card[,since]`:

- `household` is a reference the community keeps (an ASCII code such as YG-H-017), never a name, an ID or
  a phone number: the file must not identify the people helped (《个人信息保护法》 art. 28);
- `card` is the leader's 报到卡 number; empty while the household is listed but not yet paired.

Coverage per community = households paired / households listed. Bad rows are reported together, located
(`data/pairings.csv:4：…；应为 …`), and nothing is used from a file with a problem.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from site_builder import rules
from site_builder.errors import ContentErrors, Problem
from site_builder.ledger.roster import table_error, table_text
from site_builder.model import Content
from site_builder.privacy import personal_numbers
from site_builder.safetext import printable, short

PAIRINGS_FILE = "pairings.csv"
COLUMNS = ("community", "household", "card")
HEADER = "community,household,card,since"
HOUSEHOLD = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,23}$")


@dataclass(frozen=True)
class Pairing:
    community: str
    household: str  # the community's reference, no personal data
    card: str | None  # the paired leader's card; None: listed, not paired yet
    since: dt.date | None = None
    line: int = 0


@dataclass(frozen=True)
class Coverage:
    community: str  # id
    name: str
    listed: int
    paired: int
    leaders: int  # distinct cards paired in the community
    unpaired: list[str]  # household references not paired yet

    @property
    def share(self) -> float | None:
        return self.paired / self.listed if self.listed else None


def load(path: Path, content: Content) -> list[Pairing] | None:
    """The pairings, or None when the file does not exist; ContentErrors listing every bad row."""
    path = Path(path)
    if not path.exists():
        return None
    rows = csv.DictReader(io.StringIO(table_text(path, "结对帮扶表", HEADER)))
    try:
        return _pairings(path, rows, content)
    except csv.Error as error:
        raise table_error(path, rows, error, "结对帮扶表", HEADER) from None


def _pairings(path: Path, rows: csv.DictReader, content: Content) -> list[Pairing]:
    shown = printable(path)
    header = [(h or "").strip() for h in rows.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ContentErrors([Problem(shown, 1, f"结对帮扶表缺少列：{'、'.join(missing)}", f"表头 {HEADER}")])
    found: list[Pairing] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        cells = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k}
        community, household = cells.get("community", ""), cells.get("household", "")
        card = rules.normalise_card(cells.get("card", "")) or None
        where = len(problems)
        if community not in content.communities:
            problems.append(Problem(shown, line, f"社区 “{short(community, 30)}” 不存在", "content/communities.yaml 中的社区 id，例如 yangguang"))
        if personal_numbers(household) or not HOUSEHOLD.match(household):
            problems.append(Problem(shown, line, f"户编号 “{short(household, 30)}” 不是编号",
                                    "社区自定的户编号（字母、数字和连字符，例如 YG-H-017），不写姓名、身份证号或电话"))
        if card and not rules.CARD.match(card):
            problems.append(Problem(shown, line, f"“{short(card, 20)}” 不是报到卡编号", f"结对领导的报到卡编号，如 {rules.CARD_EXAMPLE}，未结对时留空"))
        since = None
        if cells.get("since"):
            try:
                since = dt.date.fromisoformat(cells["since"])
            except ValueError:
                problems.append(Problem(shown, line, f"日期 “{short(cells['since'], 20)}” 不对", "YYYY-MM-DD，例如 2026-04-01"))
        key = f"{community}|{household}"
        if household and key in seen:
            problems.append(Problem(shown, line, f"户 {household} 重复列出", f"每户只写一行（一对一结对；首次在第 {seen[key]} 行）"))
        seen.setdefault(key, line)
        if len(problems) == where:
            found.append(Pairing(community, household, card, since, line))
    if problems:
        raise ContentErrors(problems)
    return found


def coverage(content: Content, pairings: list[Pairing]) -> list[Coverage]:
    """Per community with households listed, in communities.yaml order."""
    result = []
    for cid, community in content.communities.items():
        here = [p for p in pairings if p.community == cid]
        if not here:
            continue
        paired = [p for p in here if p.card]
        result.append(Coverage(cid, community.name, len(here), len(paired), len({p.card for p in paired}),
                               sorted(p.household for p in here if not p.card)))
    return result
