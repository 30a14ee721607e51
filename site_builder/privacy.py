"""Personal numbers that must never reach the public site (SPEC: privacy), found in public text.

The same check guards the 民情日记 on the phone: theme/static/app/rules.js (`personalNumbers`) holds the
JavaScript twin of these patterns, and tests/test_privacy_patterns.py runs both on the same texts.
A number is found however it was typed: full-width digits (１３９…) are folded to ASCII first (NFKC),
and the usual groups may be separated by one blank or dash: `139 1234 5678`, `139-1234-5678`,
`610403 19900101 123X`, `610403 1990 0101 123X`.
"""

from __future__ import annotations

import re
import unicodedata

# One blank or dash between groups of digits (after NFKC, which turns U+3000 and U+00A0 into a space
# and the full-width hyphen into "-"): space, tab, hyphen-minus, ‐ ‑ ‒ – — ―, minus, ﹘ ﹣ －.
SEP = "[ \\t\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d]"
MOBILE_BODY = f"1[3-9][0-9]{SEP}?[0-9]{{4}}{SEP}?[0-9]{{4}}"  # 3-4-4: 13912345678, 139 1234 5678
ID_BODY = f"[1-9][0-9]{{5}}{SEP}?[0-9]{{4}}{SEP}?[0-9]{{4}}{SEP}?[0-9]{{3}}[0-9Xx]"  # 6-4-4-4 (6-8-4, 18)
MOBILE = re.compile(f"(?<![0-9]){MOBILE_BODY}(?![0-9])")
ID_NUMBER = re.compile(f"(?<![0-9]){ID_BODY}(?![0-9A-Za-z])")
PATTERNS = ((MOBILE, "手机号码"), (ID_NUMBER, "身份证号码"))
# What users read when one is found (Chinese, as every message of check and build).
EXPECTED = "公开内容中不写个人手机号码或身份证号码（可以写办公电话，例如 029-8703xxxx）"


def personal_numbers(text: str | None) -> list[tuple[str, str]]:
    """(the number found, what it is) for each kind of personal number in text, at most one of each kind.
    The number is quoted as it reads after full-width digits are folded (NFKC)."""
    folded = unicodedata.normalize("NFKC", text or "")
    found = []
    for pattern, what in PATTERNS:
        match = pattern.search(folded)
        if match:
            found.append((match.group(), what))
    return found
