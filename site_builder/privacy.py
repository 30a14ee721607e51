"""Personal numbers that must never reach the public site (SPEC: privacy), found in public text."""

from __future__ import annotations

import re

MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
PATTERNS = ((MOBILE, "手机号码"), (ID_NUMBER, "身份证号码"))
# What users read when one is found (Chinese, as every message of check and build).
EXPECTED = "公开内容中不写个人手机号码或身份证号码（可以写办公电话，例如 029-8703xxxx）"


def personal_numbers(text: str | None) -> list[tuple[str, str]]:
    """(the number found, what it is) for each kind of personal number in text, at most one of each kind."""
    found = []
    for pattern, what in PATTERNS:
        match = pattern.search(text or "")
        if match:
            found.append((match.group(), what))
    return found
