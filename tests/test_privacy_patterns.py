"""The personal-number check is one rule in two languages: site_builder/privacy.py (public content, at check
and build) and rules.js personalNumbers (the 民情日记 on the phone) find the same numbers in the same texts,
however they are typed: spaces, dashes, full-width digits."""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from site_builder import privacy

ROOT = Path(__file__).resolve().parent.parent
RULES_JS = ROOT / "theme" / "static" / "app" / "rules.js"
NODE = shutil.which("node") or "/usr/bin/node"

RUN = """
const vm = require('vm'); const fs = require('fs');
const sandbox = {self: {}}; vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(process.argv[1], 'utf8'), sandbox);
const texts = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify(texts.map((t) => sandbox.self.Sansong.rules.personalNumbers(t))));
"""

FOUND = [
    ("住户电话13912345678，需要帮助。", [("13912345678", "手机号码")]),
    ("139 1234 5678", [("139 1234 5678", "手机号码")]),
    ("139-1234-5678", [("139-1234-5678", "手机号码")]),
    ("１３９１２３４５６７８", [("13912345678", "手机号码")]),
    ("１３９－１２３４－５６７８", [("139-1234-5678", "手机号码")]),
    ("139　1234　5678", [("139 1234 5678", "手机号码")]),  # ideographic spaces
    ("+86 139 1234 5678", [("139 1234 5678", "手机号码")]),
    ("身份证610403199001011234", [("610403199001011234", "身份证号码")]),
    ("610403 19900101 123X", [("610403 19900101 123X", "身份证号码")]),
    ("610403 1990 0101 1234", [("610403 1990 0101 1234", "身份证号码")]),
    ("６１０４０３１９９００１０１１２３ｘ", [("61040319900101123x", "身份证号码")]),
]
NOT_FOUND = ["办公电话 029-87031216", "2026-05-15 2026-05-16", "每月15日、16日", "1391234567890", "23912345678",
             "139 1234 567", "YG-ZC-01", "13:00-15:00", "第3号楼12单元", "610403199001011234567"]


def run_js(texts: list[str]) -> list[list[list[str]]]:
    result = subprocess.run([NODE, "-e", RUN, str(RULES_JS)], input=json.dumps(texts), capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)


@pytest.mark.parametrize("text, expected", FOUND)
def test_numbers_written_with_spaces_dashes_or_full_width_digits_are_found(text, expected):
    assert privacy.personal_numbers(text) == expected


@pytest.mark.parametrize("text", NOT_FOUND)
def test_office_phones_dates_and_codes_are_not_personal_numbers(text):
    assert privacy.personal_numbers(text) == []


WIDE = str.maketrans("0123456789", "０１２３４５６７８９")


def near_number(rng: random.Random) -> str:
    """A mobile or ID number, or something close to one, as people type them: separators anywhere,
    some digits full-width, a digit too many or too few, Chinese around it."""
    digits = ("1" + rng.choice("0123456789") + "".join(rng.choice("0123456789") for _ in range(9)) if rng.random() < .5
              else rng.choice("0123456789") + "".join(rng.choice("0123456789") for _ in range(16)) + rng.choice("0123456789Xx"))
    if rng.random() < .2:
        digits = digits[:-1] if rng.random() < .5 else digits + rng.choice("0123456789")
    out = []
    for i, ch in enumerate(digits):
        out.append(ch.translate(WIDE) if rng.random() < .15 else ch)
        if i < len(digits) - 1 and rng.random() < .15:
            out.append(rng.choice([" ", "-", "－", "　", "—", "  ", "、"]))
    return rng.choice(["", "电话", "号码：", "8", "x"]) + "".join(out) + rng.choice(["", "。", "9", "X", " 号"])


def test_python_and_javascript_find_the_same_numbers():
    rng = random.Random(20261205)
    pieces = ["1", "3", "9", "0", "6", "8", "X", "x", " ", "-", "－", "　", "１", "３", "电话", "，", "号"]
    texts = [t for t, _ in FOUND] + NOT_FOUND
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randrange(8, 40))) for _ in range(2000)]
    texts += ["".join(rng.choice("0123456789 -") for _ in range(rng.randrange(10, 30))) for _ in range(2000)]
    texts += [near_number(rng) for _ in range(4000)]
    expected = [[list(pair) for pair in privacy.personal_numbers(t)] for t in texts]
    assert run_js(texts) == expected
    kinds = [kind for found in expected for _, kind in found]
    assert kinds.count("手机号码") > 100 and kinds.count("身份证号码") > 50  # the texts do hold both kinds


def _folded_classes() -> tuple[set[int], set[int], int]:
    """From unicodedata, over every code point: those NFKC folds into something with an ASCII digit, those
    it folds into exactly one separator, and the most digits one character gives a run of digits and
    separators."""
    separators = {chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and re.fullmatch(privacy.SEP, chr(c))}
    run = re.compile("[0-9" + re.escape("".join(sorted(separators))) + "]+")
    digitish, separatorish, most = set(), set(), 0
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        folded = unicodedata.normalize("NFKC", chr(code))
        if any("0" <= c <= "9" for c in folded):
            digitish.add(code)
            most = max([most] + [sum(c.isdigit() for c in part) for part in run.findall(folded)])
        elif len(folded) == 1 and folded in separators:
            separatorish.add(code)
    return digitish, separatorish, most


def test_the_shortcut_knows_every_character_that_folds_into_a_digit_or_separator():
    digitish, separatorish, most = _folded_classes()
    digit_class, separator_class = re.compile(f"[{privacy.DIGITISH}]"), re.compile(f"[{privacy.SEPARATORISH}]")
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    assert {ord(c) for c in every if digit_class.match(c)} == digitish
    assert {ord(c) for c in every if separator_class.match(c)} == separatorish
    assert most == 2  # CANDIDATE asks for six digit-ish characters: 11 digits need at least six


def test_text_the_shortcut_passes_over_holds_no_personal_number():
    pieces = ["1", "3", "9", "0", "6", "x", "X", "１", "３", "⑳", "⑴", "¹", "𝟗", " ", "-", "－", "　", "\u00a0", "—",
              "年", "月", "，", "a", "\t", "⒈", "㏿"]
    rng = random.Random(4)
    skipped = 0
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 24)))
        folded = unicodedata.normalize("NFKC", text)
        unfiltered = [(m.group(), what) for pattern, what in privacy.PATTERNS if (m := pattern.search(folded))]
        assert privacy.personal_numbers(text) == unfiltered, text
        skipped += not privacy.CANDIDATE.search(text)
    assert skipped > 2_000  # the shortcut was taken often, and each time rightly
