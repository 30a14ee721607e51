"""Installability: Chromium reports no installability errors; the manifest and icons are what they say."""

from __future__ import annotations

import json

from PIL import Image

from . import helpers


def test_chromium_reports_no_installability_errors(playwright, base_url, tmp_path):
    context = playwright.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=helpers.CHROMIUM,
                                                            args=helpers.CHROMIUM_ARGS)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(base_url)
        helpers.wait_controlled(page)
        session = context.new_cdp_session(page)
        errors = helpers.poll(lambda: (lambda r: r if "installabilityErrors" in r else None)(
            session.send("Page.getInstallabilityErrors")), 20, what="an installability answer")
        assert errors["installabilityErrors"] == []
        manifest = session.send("Page.getAppManifest")
        assert not manifest.get("errors")
    finally:
        context.close()


def test_manifest_names_icons_and_scope(site):
    manifest = json.loads((site / "manifest.webmanifest").read_text(encoding="utf-8"))
    assert manifest["name"] == "三送三促·在职党员到社区" and manifest["short_name"] == "三送三促"
    assert manifest["start_url"] == manifest["scope"] == "/" and manifest["display"] == "standalone"
    assert manifest["lang"] == "zh-CN"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        with Image.open(site / icon["src"].lstrip("/")) as image:
            assert f"{image.width}x{image.height}" == icon["sizes"]
