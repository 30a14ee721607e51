"""Template inputs: a template edit parses only the edited template again, with the same result as
parsing every template afresh."""

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
