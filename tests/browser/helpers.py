"""Helpers for the offline-app browser tests: building and serving a site, polling the page with a
deadline (never a fixed sleep), reading IndexedDB, going offline with the HTTP cache cleared."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTENT = Path(os.environ.get("SANSONG_TEST_CONTENT", ROOT / "content"))
TODAY = "2026-11-28"  # the build's day
# The phone's clock (Beijing time): the day of the sample's last 阳光社区 activity of the year, so a
# check-in to it is on its day whatever the real date (install_clock). The app reads the device clock.
DEVICE_NOW = dt.datetime(2026, 12, 15, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
PHONE = {"viewport": {"width": 360, "height": 780}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCHEMA = ROOT / "site_builder" / "ledger" / "schemas" / "sansong-records-1.schema.json"
SITE_BUILDER = [sys.executable, "-m", "site_builder"]


def build_site(content: Path, out: Path, base_url: str | None = None) -> None:
    """Builds content into out with the CLI, as a secretary would; fails the test with the CLI's message."""
    extra = ["--base-url", base_url] if base_url else []
    result = subprocess.run(SITE_BUILDER + ["build", "--content", str(content), "--out", str(out), "--today", TODAY] + extra,
                            capture_output=True, text=True, cwd=content.parent)
    if result.returncode != 0:
        raise AssertionError(f"site-builder build failed:\n{result.stderr}")


def copy_content(dest: Path) -> Path:
    """A private copy of the sample content (tests may change it); no ledger beside it, so no figures."""
    target = dest / "content"
    shutil.copytree(CONTENT, target)
    return target


@dataclass
class Server:
    process: subprocess.Popen
    url: str  # "http://127.0.0.1:PORT/"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def serve(directory: Path, log: Path) -> Server:
    """python -m http.server on 127.0.0.1, port chosen by the OS, read from its first line."""
    process = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
                                "--directory", str(directory)],
                               stdout=subprocess.PIPE, stderr=log.open("wb"), text=True)
    line = process.stdout.readline()
    match = re.search(r"port (\d+)", line)
    if not match:
        process.kill()
        raise AssertionError(f"http.server did not start: {line!r}")
    return Server(process, f"http://127.0.0.1:{match.group(1)}/")


def poll(check, timeout: float = 20.0, interval: float = 0.1, what: str = "condition"):
    """Calls check() until it returns something truthy; fails after timeout seconds."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last value: {last!r})")


def wait_controlled(page, timeout: float = 60.0) -> None:
    """The page is controlled by an activated service worker (ready alone resolves too early)."""
    poll(lambda: page.evaluate("navigator.serviceWorker.controller?.state === 'activated'"),
         timeout, what="an activated service worker controlling the page")


def go_offline(context, page) -> None:
    """Network off and Chromium's HTTP cache emptied, so only the service worker can answer."""
    session = context.new_cdp_session(page)
    session.send("Network.clearBrowserCache")
    session.detach()
    context.set_offline(True)


READ_STORE = """async (name) => {
  const db = await new Promise((ok, fail) => { const r = indexedDB.open('sansong'); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  if (!db.objectStoreNames.contains(name)) { db.close(); return []; }
  const all = await new Promise((ok, fail) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => fail(r.error); });
  db.close();
  return all;
}"""


def stored(page) -> list[dict]:
    """Every entry of the app's IndexedDB records store: {id, type, created_at, exported_at, record}."""
    return page.evaluate(READ_STORE, "records")


def meta(page) -> dict:
    """The app's meta store as {key: value} (device, profile, persist)."""
    return {row["key"]: row["value"] for row in page.evaluate(READ_STORE, "meta")}


def wait_stored(page, count: int, timeout: float = 20.0) -> list[dict]:
    return poll(lambda: (lambda rows: rows if len(rows) >= count else None)(stored(page)), timeout,
                what=f"{count} stored records")


def status_text(page, selector: str = ".form-status") -> str:
    return page.locator(selector).first.inner_text()


def load_schema() -> dict:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def precache_urls(site: Path) -> list[str]:
    """The URLs listed in the built sw.js."""
    text = (site / "sw.js").read_text(encoding="utf-8")
    listing = re.search(r"const PRECACHE = (\[.*?\n\]);", text, re.S).group(1)
    return [entry["url"] for entry in json.loads(listing)]


def install_clock(context, now: dt.datetime = DEVICE_NOW) -> None:
    """The phone's clock starts at `now` and runs on (Playwright's clock: Date and timers of every page)."""
    context.clock.install(time=now)


def new_context(browser, phone: bool = False, clock: bool = True, **options):
    """A fresh context: service workers allowed, downloads accepted, Beijing time and zh-CN (unless given),
    the device clock at DEVICE_NOW; `phone`: a 360×780 touch screen."""
    settings = {"accept_downloads": True, "service_workers": "allow", "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
    if phone:
        settings.update(PHONE)
    settings.update(options)
    context = browser.new_context(**settings)
    if clock:
        install_clock(context)
    return context


def catalogue(site: Path) -> dict:
    return json.loads((site / "app" / "catalogue.json").read_text(encoding="utf-8"))
