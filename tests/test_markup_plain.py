"""markup.plain_paragraphs: for every text it accepts, the very bytes python-markdown gives."""

from __future__ import annotations

import random

import markdown
import pytest

from site_builder.markup import plain_paragraphs

MD = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
PLAIN = ["在职党员", "到社区", "报到，", "认领岗位。", "2026年5月", "10日", "居民说：", "“有事找党员”", "（第1篇）",
         "English words", "a-b", "1.5", "x+y", "50%", "a:b", "@", "/", "'", '"', ",", "？", "！", "…", "——"]
PIECES = PLAIN * 6 + [
          "*", "_", "[", "]", "!", "<", ">", "&", "#", "|", "~", "`", "\\", "=", "{", "}", "^", " ", "  ", "\t",
          "- ", "+ ", "1. ", "> ", ": ", "    ", "\r", "==="]
BREAKS = ["\n", "\n\n", "\n\n\n", "\n \n", " \n", "\n  "]


def markdown_of(text: str) -> str:
    MD.reset()
    return MD.convert(text)


def random_text(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(1, 6)):
        lines.append("".join(rng.choice(PIECES) for _ in range(rng.randint(1, 6))))
        lines.append(rng.choice(BREAKS))
    return "".join(lines)


def test_plain_prose_is_taken_and_equals_markdown():
    text = "在职党员到社区报到。\n居民说，有事找党员。\n\n2026年5月10日，认领了岗位（第3篇）。\n"
    assert plain_paragraphs(text) is not None
    assert plain_paragraphs(text) == markdown_of(text)


@pytest.mark.parametrize("text", ["# 标题", "a *b*", "[链接](/x/)", "1. 列表", "- 列表", "> 引用", "a  \nb", "    代码",
                                  "a\n===", "a\n---", "<div>x</div>", "a & b", "a | b", "脚注[^1]", "term\n: 定义"])
def test_anything_else_goes_to_markdown(text):
    assert plain_paragraphs(text) is None


def test_random_texts_accepted_give_markdowns_bytes():
    rng = random.Random(20261204)
    accepted = 0
    for _ in range(20000):
        text = random_text(rng)
        plain = plain_paragraphs(text)
        if plain is not None:
            accepted += 1
            assert plain == markdown_of(text), repr(text)
    assert accepted > 1000  # the property was tried on many texts, not vacuously
