"""Template inputs: a template edit parses only the edited template again, with the same result as
parsing every template afresh. Keys: a long value shared by many pages is a digest in theirs."""

from __future__ import annotations

import shutil
from pathlib import Path

from site_builder import fingerprint

ROOT = Path(__file__).resolve().parent.parent


def test_only_an_edited_template_is_parsed_again(tmp_path, monkeypatch):
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme" / "templates", theme / "templates")
    first, parsed = fingerprint.template_inputs(theme)
    assert len(parsed) == len(first.closures)

    story = theme / "templates" / "story.html"
    story.write_text(story.read_text(encoding="utf-8").replace("{% block", '{% include "partials/empty.html" %}{% block', 1),
                     encoding="utf-8")
    (theme / "templates" / "partials").mkdir(exist_ok=True)
    (theme / "templates" / "partials" / "empty.html").write_text("<!-- nothing -->\n", encoding="utf-8")
    parse = fingerprint.parse
    seen: list[str] = []
    monkeypatch.setattr(fingerprint, "parse", lambda path: seen.append(Path(path).name) or parse(path))
    again, _ = fingerprint.template_inputs(theme, parsed)
    assert sorted(seen) == ["empty.html", "story.html"]

    monkeypatch.setattr(fingerprint, "parse", parse)
    fresh, _ = fingerprint.template_inputs(theme)
    assert again == fresh
    assert again.closures["story.html"] != first.closures["story.html"]  # the include is in its closure now
    assert again.closures["stories.html"] == first.closures["stories.html"]


def test_a_long_shared_value_is_one_digest_in_the_keys_that_hold_it():
    urls = [f"/stories/page/{n}/" for n in range(1, 1002)]
    memo: dict = {}
    pagination = [{"number": n, "urls": urls} for n in range(1, 4)]
    keys = [fingerprint.key(p, memo) for p in pagination]
    assert all(len(k) <= fingerprint.LONG_KEY + 1 for k in keys)  # not 20 KB of URLs in each
    assert len(set(keys)) == 3
    assert fingerprint.key({"number": 1, "urls": list(urls)}, {}) == keys[0]  # equal values, equal keys
    changed = urls[:-1] + ["/stories/page/changed/"]
    assert fingerprint.key({"number": 1, "urls": changed}, {}) != keys[0]
