"""assets.collect: content-hashed names for every theme file, stable names for icons as well."""

from __future__ import annotations

import re

import pytest

from site_builder import assets
from site_builder.errors import SiteBuilderError


def theme(tmp_path, files: dict[str, bytes]):
    for name, data in files.items():
        path = tmp_path / "static" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return tmp_path


def test_every_file_gets_a_hashed_name_that_follows_its_bytes(tmp_path):
    found = assets.collect(theme(tmp_path, {"css/site.css": b"body{}", "js/post-filter.js": b"1", "app/x.min.js": b"2"}))
    assert re.fullmatch(r"static/css/site\.[0-9a-f]{8}\.css", found.names["css/site.css"])
    assert re.fullmatch(r"static/app/x\.min\.[0-9a-f]{8}\.js", found.names["app/x.min.js"])
    assert found.url("css/site.css") == "/" + found.names["css/site.css"]
    assert found.outputs[found.names["css/site.css"]] == b"body{}"
    changed = assets.collect(theme(tmp_path, {"css/site.css": b"body{color:red}"}))
    assert changed.names["css/site.css"] != found.names["css/site.css"]


def test_icons_also_keep_their_stable_name(tmp_path):
    found = assets.collect(theme(tmp_path, {"icons/icon-192.png": b"png"}))
    assert found.outputs["static/icons/icon-192.png"] == b"png"
    assert found.outputs[found.names["icons/icon-192.png"]] == b"png"


def test_hidden_files_are_skipped_and_order_does_not_matter(tmp_path):
    found = assets.collect(theme(tmp_path, {".DS_Store": b"x", "css/.site.css.swp": b"x", "css/a.css": b"a"}))
    assert list(found.names) == ["css/a.css"]


def test_an_unknown_asset_names_the_file_and_what_exists(tmp_path):
    found = assets.collect(theme(tmp_path, {"css/site.css": b""}))
    with pytest.raises(SiteBuilderError, match=r"theme/static/css/missing\.css：找不到这个主题文件；应为以下文件之一：css/site\.css"):
        found.url("css/missing.css")


def test_the_real_theme_has_the_stylesheet_and_the_filter_script():
    from pathlib import Path

    found = assets.collect(Path(__file__).resolve().parent.parent / "theme")
    assert "css/site.css" in found.names and "js/post-filter.js" in found.names
    css = found.outputs[found.names["css/site.css"]].decode()
    assert "#b71c1c" in css and "@media print" in css and "@import" not in css and "url(" not in css
