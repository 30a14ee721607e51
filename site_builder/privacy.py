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


# Characters that NFKC folds into something holding an ASCII digit (DIGITISH: ０ ① ⑳ ¹ …), and those it
# folds into exactly one character of SEP (SEPARATORISH: the blanks and dashes), as regex ranges.
# tests/test_privacy_patterns.py recomputes both, and the bound below, from unicodedata over every code point.
DIGITISH = (r"\u0030-\u0039\u00b2-\u00b3\u00b9\u00bc-\u00be\u2070\u2074-\u2079\u2080-\u2089\u2150-\u215f"
            r"\u2189\u2460-\u249b\u24ea\u3251-\u325f\u32b1-\u32cb\u3358-\u3370\u3378-\u3379\u339f-\u33a6"
            r"\u33a8\u33af\u33e0-\u33fe\uff10-\uff19\U0001d7ce-\U0001d7ff\U0001f100-\U0001f10a\U0001fbf0-\U0001fbf9")
SEPARATORISH = (r"\u0009\u0020\u002d\u00a0\u2000-\u200a\u2010-\u2015\u202f\u205f\u207b\u208b\u2212\u3000"
                r"\ufe31-\ufe32\ufe58\ufe63\uff0d")
# A folded character gives a number at most two of its digits (⑳ → 20), and both kinds hold 11 digits or
# more with at most one separator between two digits: text without six digit-ish characters so spaced
# cannot hold one, and is not folded at all (most stories: a date such as 2026年3月 has four).
CANDIDATE = re.compile(f"[{DIGITISH}](?:[{SEPARATORISH}]?[{DIGITISH}]){{5}}")


def personal_numbers(text: str | None) -> list[tuple[str, str]]:
    """(the number found, what it is) for each kind of personal number in text, at most one of each kind.
    The number is quoted as it reads after full-width digits are folded (NFKC)."""
    if not text or not CANDIDATE.search(text):
        return []
    folded = unicodedata.normalize("NFKC", text)
    found = []
    for pattern, what in PATTERNS:
        match = pattern.search(folded)
        if match:
            found.append((match.group(), what))
    return found
