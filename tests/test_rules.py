"""The programme's rules in one place: Python (site_builder/rules.py) and the app's JavaScript
(theme/static/app/rules.js) give the same answers for the same inputs; the app reads them from the
catalogue the builder writes."""

from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from site_builder import rules
from site_builder.ledger import hours

ROOT = Path(__file__).resolve().parent.parent
RULES_JS = ROOT / "theme" / "static" / "app" / "rules.js"
NODE = shutil.which("node") or "/usr/bin/node"

RUN = """
const vm = require('vm'); const fs = require('fs');
const sandbox = {self: {}}; vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(process.argv[1], 'utf8'), sandbox);
const R = sandbox.self.Sansong.rules;
const cases = JSON.parse(fs.readFileSync(0, 'utf8'));
process.stdout.write(JSON.stringify({
  hours: cases.hours.map(([spent, planned]) => R.creditedHours(spent, planned)),
  cards: cases.cards.map((text) => R.normaliseCard(text)),
  codes: (cases.codes || []).map((text) => R.normaliseCode(text)),
  digits: (cases.digits || []).map((text) => R.normaliseDigits(text)),
  timing: (cases.timing || []).map(([stamp, day]) => R.checkinTiming(stamp, day)),
  beijing: (cases.beijing || []).map((stamp) => R.beijingDate(stamp)),
}));
"""


def run_js(cases: dict) -> dict:
    result = subprocess.run([NODE, "-e", RUN, str(RULES_JS)], input=json.dumps(cases), capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)


def test_python_and_javascript_credit_the_same_hours():
    rng = random.Random(20261205)
    plans = [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 8, 0.25, 2.125, 1.005]
    cases = [(None, p) for p in plans]
    cases += [(ms, p) for p in plans for ms in (0, 1, 17_999, 18_000, 18_001, 35_999, 36_000, 5_400_000, 7_199_999,
                                                 -5_000, int(p * 3_600_000), int(p * 3_600_000) + 1)]
    cases += [(rng.randrange(0, 12 * 3_600_000), rng.choice(plans)) for _ in range(3000)]
    js = run_js({"hours": cases, "cards": []})["hours"]
    py = [rules.credited_hours(spent, planned) for spent, planned in cases]
    assert js == py


def test_hours_from_stamps_are_the_rule():
    assert hours.credit("2026-05-15T09:00:00+08:00", "2026-05-15T10:30:00+08:00", 2.0).hours == 1.5
    assert hours.credit("2026-05-15T09:00:00+08:00", "2026-05-15T12:00:00+08:00", 2.0).hours == 2.0  # capped
    assert hours.credit("2026-05-15T09:00:00+08:00", None, 2.5).hours == 2.5  # no check-out: planned
    assert hours.credit("2026-05-15T09:00:00+08:00", "2026-05-15T09:00:18+08:00", 2.0).hours == 0.01  # 18 s: half up
    assert hours.credit("2026-05-15T09:00:00+08:00", "2026-05-15T09:00:17+08:00", 2.0).hours == 0.0
    with pytest.raises(ValueError):
        hours.credit("2026-05-15T10:00:00+08:00", "2026-05-15T09:00:00+08:00", 2.0)


def test_cards_typed_on_a_chinese_keyboard_are_the_same_card_in_both():
    typed = ["D03-0042", "d03-0042", "D03－0042", "Ｄ０３－００４２", " D03 - 0042 ", "D03—0042", "D03–0042", "D03‐0042"]
    assert {rules.normalise_card(t) for t in typed} == {"D03-0042"}
    assert run_js({"hours": [], "cards": typed})["cards"] == [rules.normalise_card(t) for t in typed]
    assert rules.CARD.match(rules.normalise_card("Ｄ０３－００４２"))
    assert rules.department_of("D03-0042") == "D03"


def test_the_catalogue_carries_the_rules_the_app_reads():
    from site_builder import app
    from site_builder.build import Options, load_checked

    content = load_checked(Options(content_dir=ROOT / "content", today=dt.date(2026, 11, 28)))
    carried = app.catalogue(content)["rules"]
    assert carried["card_pattern"] == rules.CARD_PATTERN and carried["record_types"] == rules.RECORD_TYPES
    assert "card_pattern" in RULES_JS.read_text(encoding="utf-8")  # rules.js reads it from there


def test_deadline_and_beijing_time():
    assert rules.registration_deadline(2026, "05-10") == dt.date(2026, 5, 10)
    late_utc = dt.datetime(2026, 5, 9, 23, 30, tzinfo=dt.timezone.utc)
    assert rules.today_in_beijing(late_utc) == dt.date(2026, 5, 10)  # 07:30 in Beijing
    assert rules.beijing_stamp("2026-05-09T23:30:00Z") == "2026-05-10T07:30:00+08:00"


def test_stories_newest_first_with_one_tie_break():
    class S:
        def __init__(self, slug, day):
            self.slug, self.date = slug, day

    stories = [S("b", dt.date(2026, 5, 1)), S("a", dt.date(2026, 5, 1)), S("c", dt.date(2026, 6, 1))]
    assert [s.slug for s in rules.newest_first(stories)] == ["c", "a", "b"]


def test_codes_and_digits_typed_full_width_are_normalised_alike():
    codes = ["482913", "４８２９１３", "482 913", "４８２　９１３", "482-913", " 482913 ", "48２９1３", "abc"]
    digits = ["１３９１２３４５６７８", "139－1234－5678", " 029-8703 1216 ", "＋８６ １３９"]
    js = run_js({"hours": [], "cards": [], "codes": codes, "digits": digits})
    assert js["codes"] == [rules.normalise_code(c) for c in codes]
    assert js["digits"] == [rules.normalise_digits(d) for d in digits]
    assert {rules.normalise_code(c) for c in codes[:-1]} == {"482913"}
    assert rules.CODE.match(rules.normalise_code("４８２ ９１３"))
    assert rules.normalise_digits("１３９－１２３４－５６７８") == "139-1234-5678"


def test_checkin_days_are_judged_alike_in_beijing_time():
    cases = [("2026-05-15T09:00:00+08:00", "2026-05-15"), ("2026-05-14T09:00:00+08:00", "2026-05-15"),
             ("2026-05-13T23:59:00+08:00", "2026-05-15"), ("2026-05-01T09:00:00+08:00", "2026-05-15"),
             ("2026-05-16T00:01:00+08:00", "2026-05-15"), ("2026-06-30T12:00:00+08:00", "2026-05-15"),
             ("2026-05-14T16:30:00Z", "2026-05-15"),  # 00:30 on the 15th in Beijing
             ("2026-05-13T16:30:00+00:00", "2026-05-15"),  # 00:30 on the 14th: the day before, allowed
             ("2026-05-14T08:00:00-05:00", "2026-05-15")]  # 21:00 on the 14th in Beijing
    js = run_js({"hours": [], "cards": [], "timing": cases, "beijing": [c[0] for c in cases]})
    assert js["timing"] == [rules.checkin_timing(stamp, day) for stamp, day in cases]
    assert js["timing"] == [None, "other_day", "early", "early", "other_day", "other_day", None, "other_day", "other_day"]
    assert js["beijing"] == [rules.in_beijing(dt.datetime.fromisoformat(c[0].replace("Z", "+00:00"))).date().isoformat()
                             for c in cases]
