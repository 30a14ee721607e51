"""render.memo_of: a block the same on many pages (navigation, footer, story cards) is rendered once per key."""

from __future__ import annotations

import jinja2

from site_builder import render


def _env() -> tuple[jinja2.Environment, list[int]]:
    env = jinja2.Environment(autoescape=True)
    renders: list[int] = []
    env.globals["memo"] = render.memo_of()
    env.globals["count"] = lambda: renders.append(1) or len(renders)
    return env, renders


def test_a_block_is_rendered_once_per_key_and_reused():
    env, renders = _env()
    template = env.from_string('{% call memo("nav", section) %}<b>{{ section }} {{ count() }}</b>{% endcall %}')
    assert template.render(section="/a/") == "<b>/a/ 1</b>"
    assert template.render(section="/a/") == "<b>/a/ 1</b>"  # the first rendering, reused
    assert template.render(section="/b/") == "<b>/b/ 2</b>"  # another key: rendered
    assert len(renders) == 2


def test_reused_html_is_not_escaped_twice():
    env, _ = _env()
    template = env.from_string('{% call memo("x") %}<i>{{ text }}</i>{% endcall %}')
    assert template.render(text="<&>") == "<i>&lt;&amp;&gt;</i>"
    assert template.render(text="other") == "<i>&lt;&amp;&gt;</i>"  # same key: same (already escaped) HTML


def test_each_environment_has_its_own_store():
    first, _ = _env()
    second, _ = _env()
    source = '{% call memo("x") %}{{ text }}{% endcall %}'
    assert first.from_string(source).render(text="one") == "one"
    assert second.from_string(source).render(text="two") == "two"
