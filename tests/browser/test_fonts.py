"""Chinese renders as Chinese: a page's own font draws CJK characters as distinct glyphs, not one box (tofu)
repeated. Without a CJK font installed every page would show boxes and every other test still pass; this one
fails then (scripts/test installs fonts-noto-cjk before any browser test), and is shown to fail with a
fontconfig that holds no CJK font."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import helpers

# Draws each character in the page's font on a canvas; returns the alpha channel of each and the widths.
GLYPHS = """(text) => {
  const family = getComputedStyle(document.querySelector('main h1, h1')).fontFamily;
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  ctx.font = '40px ' + family;
  ctx.textBaseline = 'top';
  const bitmap = (ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.fillText(ch, 4, 4);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3)).join(',');
  };
  return {family, wide: ctx.measureText(text[0]).width, narrow: ctx.measureText('i').width,
          bitmaps: Array.from(text, bitmap)};
}"""
CHARACTERS = "中文字报到"


def glyphs(page) -> dict:
    return page.evaluate(GLYPHS, CHARACTERS)


def renders_chinese(found: dict) -> bool:
    """Every character drawn with ink, each differently, and a CJK glyph wider than a narrow Latin one."""
    inked = all(any(v != "0" for v in b.split(",")) for b in found["bitmaps"])
    distinct = len(set(found["bitmaps"])) == len(found["bitmaps"])
    return inked and distinct and found["wide"] > 1.5 * found["narrow"]


def test_chinese_text_renders_with_a_cjk_font(page, base_url):
    page.goto(base_url)
    page.evaluate("document.fonts.ready.then(() => true)")
    found = glyphs(page)
    assert renders_chinese(found), (
        f"Chinese is drawn without a CJK font (family {found['family']!r}); install fonts-noto-cjk (scripts/test does)")


FONTS_WITHOUT_CJK = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{dir}</dir><cachedir>{cache}</cachedir></fontconfig>
"""


@pytest.mark.skipif(not Path("/usr/share/fonts/truetype/dejavu").is_dir(), reason="needs fonts-dejavu-core")
def test_the_check_fails_when_no_cjk_font_is_installed(playwright, base_url, tmp_path):
    config = tmp_path / "fonts.conf"
    config.write_text(FONTS_WITHOUT_CJK.format(dir="/usr/share/fonts/truetype/dejavu", cache=tmp_path / "cache"),
                      encoding="utf-8")
    browser = playwright.chromium.launch(executable_path=helpers.CHROMIUM, args=helpers.CHROMIUM_ARGS,
                                         env={"FONTCONFIG_FILE": str(config), "HOME": str(tmp_path)})
    try:
        page = browser.new_page(service_workers="block")
        page.goto(base_url)
        assert not renders_chinese(glyphs(page))
    finally:
        browser.close()
