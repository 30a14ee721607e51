"""Screenshots of the sample site on a 360 px phone, for review: docs/screenshots/*.png.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--no-ledger]

Builds the sample content (--today 2026-11-28) with a synthetic year of records in a temporary data
folder (python -m site_builder.sample, then site-builder ingest), so the pages show public figures;
serves it on 127.0.0.1 and photographs the home page, the calendar and a post page in Debian's
Chromium through Playwright (viewport 360×780, touch, zh-CN, Asia/Shanghai). Each page is taken twice:
its first screen at device scale 2 (<name>.png) and the whole page at scale 1 (<name>-full.png). The post
is a full one when the figures have one. With the ledger, the staff's desk (`site-builder desk`) on the same
data is photographed too, at 1280×800: desk-home.png, desk-checkins.png, desk-claims.png.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import helpers  # noqa: E402  (build, serve, Chromium flags: the tests' own helpers)

PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
SHOTS = (("home", ""), ("calendar", "activities/"), ("post", "posts/YG-ZC-01/"))


def post_to_show(site: Path) -> str:
    """A full post when the figures have one (it shows what the page says then), else YG-ZC-01."""
    for page in sorted((site / "posts").glob("*/index.html")):
        if "已满" in page.read_text(encoding="utf-8"):
            return f"posts/{page.parent.name}/"
    return "posts/YG-ZC-01/"


def with_ledger(tmp: Path, content: Path) -> list[str]:
    """A year of synthetic records ingested into tmp/data; the build options that use it (none if it fails)."""
    data = tmp / "data"
    data.mkdir()
    for name in ("roster.csv", "checkin.key"):
        shutil.copy(ROOT / "sample" / name, data / name)
    python = [sys.executable, "-m"]
    steps = [python + ["site_builder.sample", "--out", str(data / "inbox"), "--content", str(content)],
             python + ["site_builder", "ingest", "--content", str(content), "--data", str(data), str(data / "inbox")]]
    for step in steps:
        result = subprocess.run(step, capture_output=True, text=True, cwd=tmp, env={"SITE_BUILDER_TODAY": helpers.TODAY,
                                                                                    "PATH": "/usr/bin:/bin"})
        if result.returncode not in (0, 2):
            print(f"without figures: {' '.join(step[2:4])} failed:\n{result.stderr[-2000:]}", file=sys.stderr)
            return []
    return ["--ledger", str(data / "records.sqlite")]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"), help="folder for the PNG files")
    parser.add_argument("--no-ledger", action="store_true", help="build without figures")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        content = helpers.copy_content(tmp)
        extra = [] if args.no_ledger else with_ledger(tmp, content)
        site = tmp / "site"
        result = subprocess.run(helpers.SITE_BUILDER + ["build", "--content", str(content), "--out", str(site),
                                                        "--today", helpers.TODAY] + extra,
                                capture_output=True, text=True, cwd=tmp)
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        server = helpers.serve(site, tmp / "http.log")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=helpers.CHROMIUM, args=helpers.CHROMIUM_ARGS)
                sharp = browser.new_context(**PHONE, service_workers="block").new_page()
                whole = browser.new_context(**{**PHONE, "device_scale_factor": 1}, service_workers="block").new_page()
                for shot, path in SHOTS:
                    path = post_to_show(site) if shot == "post" else path
                    for page, name, full in ((sharp, f"{shot}.png", False), (whole, f"{shot}-full.png", True)):
                        page.goto(server.url + path)
                        page.evaluate("document.fonts.ready.then(() => true)")
                        page.screenshot(path=str(out / name), full_page=full)
                        print(out / name)
                if extra:
                    desk_shots(browser, tmp, content, out)
                browser.close()
        finally:
            server.stop()
    return 0


DESK_SHOTS = (("desk-home", ""), ("desk-checkins", "checkins"), ("desk-claims", "claims?community=yangguang"))


def desk_shots(browser, tmp: Path, content: Path, out: Path) -> None:
    """The desk on the synthetic year's ledger, as a secretary's desktop screen shows it."""
    import re

    desk = subprocess.Popen(helpers.SITE_BUILDER + ["desk", "--port", "0", "--content", str(content), "--data",
                                                    str(tmp / "data"), "--out", str(tmp / "reports"), "--today", helpers.TODAY],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=tmp)
    try:
        found = re.search(r"http://127\.0\.0\.1:\d+/", desk.stdout.readline() if desk.stdout else "")
        if not found:
            print("the desk did not start: no desk screenshots", file=sys.stderr)
            return
        page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN",
                                   timezone_id="Asia/Shanghai").new_page()
        for name, path in DESK_SHOTS:
            page.goto(found.group(0) + path)
            page.evaluate("document.fonts.ready.then(() => true)")
            page.screenshot(path=str(out / f"{name}.png"))
            print(out / f"{name}.png")
    finally:
        desk.terminate()
        desk.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
