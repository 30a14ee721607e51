"""Personal numbers that must never reach the public site (SPEC: privacy), found in public text."""

from __future__ import annotations

import re

MOBILE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")
PATTERNS = ((MOBILE, "a mobile phone number"), (ID_NUMBER, "an ID card number"))
EXPECTED = "no personal phone or ID numbers in public content (an office phone such as 029-8703xxxx)"


def personal_numbers(text: str | None) -> list[tuple[str, str]]:
    """(the number found, what it is) for each kind of personal number in text, at most one of each kind."""
    found = []
    for pattern, what in PATTERNS:
        match = pattern.search(text or "")
        if match:
            found.append((match.group(), what))
    return found
