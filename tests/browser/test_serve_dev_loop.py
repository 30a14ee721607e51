"""The dev loop never lies: a page a production service worker controlled shows an edit made under
`site-builder serve` after a reload, without the 有新版本 prompt (serve answers /sw.js with a worker that
caches nothing). Real Chromium, a real `serve` process, the same origin for both servers."""

from __future__ import annotations

import collections
import socket
import subprocess
import sys
import time
import urllib.request

from . import helpers

STORY = "2026-03-wudianban-ketang"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(argv: list[str], url: str, log) -> subprocess.Popen:
    process = subprocess.Popen(argv, stdout=log, stderr=log)

    def answering():
        assert process.poll() is None, f"{argv[2:4]} stopped"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    helpers.poll(answering, timeout=120, what=f"{url} to answer")
    return process


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def test_an_edit_under_serve_shows_on_a_page_a_service_worker_controlled(browser, tmp_path):
    content = helpers.copy_content(tmp_path)
    site = tmp_path / "site"
    helpers.build_site(content, site)
    port = free_port()
    origin = f"http://127.0.0.1:{port}/"
    page_url = f"{origin}stories/{STORY}/"
    log = (tmp_path / "servers.log").open("wb")

    T = time.monotonic()  # phases are printed (shown when the test fails): it once took 30 s instead of 8
    production = start([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)],
                       origin, log)
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(page_url)
        helpers.wait_controlled(page)
        page.reload()  # the story page now comes from the production worker's cache
        helpers.wait_controlled(page)
        print("phase: production ready+controlled", round(time.monotonic() - T, 2))
        stop(production)
        print("phase: production stopped", round(time.monotonic() - T, 2))

        dev = start(helpers.SITE_BUILDER + ["serve", "--content", str(content), "--port", str(port),
                                            "--today", helpers.TODAY], origin, log)
        print("phase: dev answering", round(time.monotonic() - T, 2))
        try:
            page.goto(page_url)  # may still come from the old cache; the browser fetches /sw.js again
            # Wait for the controller to change without sending the old worker anything: Chromium activates
            # a skipWaiting worker only once the old one is idle, and a message every 100 ms (as this test
            # once sent) can keep it busy for minutes on a loaded machine.
            page.evaluate("() => { window.productionWorker = navigator.serviceWorker.controller; }")
            seen: list[object] = []
            in_control = lambda: seen.append(page.evaluate("""async () => {
                const r = await navigator.serviceWorker.getRegistration();
                // what the browser does on its own some time after a navigation: look for a new sw.js
                if (r) r.update().catch(() => {});
                const now = navigator.serviceWorker.controller;
                if (now && now !== window.productionWorker && now.state === 'activated') return true;
                return 'installing ' + (r && r.installing && r.installing.state) + ', waiting '
                    + (r && r.waiting && r.waiting.state) + ', active ' + (r && r.active && r.active.state)
                    + ', controller changed ' + (now !== window.productionWorker);
            }""")) or seen[-1] is True  # noqa: E731
            t0 = time.monotonic()
            try:
                helpers.poll(in_control, timeout=60, interval=0.5, what="serve's worker in control")
                print("phase: serve's worker in control after", round(time.monotonic() - t0, 2), "s;",
                      collections.Counter(map(str, seen)))
            except AssertionError as error:
                raise AssertionError(f"{error}; the registration: {seen[-1]}") from None
            assert page.evaluate("""() => new Promise((done) => {
                const channel = new MessageChannel();
                channel.port1.onmessage = (event) => done(event.data);
                navigator.serviceWorker.controller.postMessage({type: 'GET_VERSION'}, [channel.port2]);
                setTimeout(() => done('no answer'), 5000);
            })""") == "dev"
            page.reload()
            assert page.evaluate("caches.keys()") == []  # the production worker's caches are gone

            story = content / "stories" / f"{STORY}.md"
            story.write_text(story.read_text(encoding="utf-8").replace("\n\n", "\n\n刚刚改过的一句话。", 1), encoding="utf-8")
            saved = time.monotonic()
            helpers.poll(lambda: "刚刚改过的一句话" in page.inner_text("main"), timeout=30,
                         what="the edit on the page (livereload reloads it)")
            print(f"edit saved -> shown in the page: {time.monotonic() - saved:.2f} s")
            page.reload()
            assert "刚刚改过的一句话" in page.inner_text("main")  # and a plain reload shows it too
            assert page.evaluate("document.documentElement.dataset.update") is None  # no 有新版本 prompt
            assert page.locator(".update-banner").count() == 0
        finally:
            print("phase: test body done", round(time.monotonic() - T, 2))
            stop(dev)
            print("phase: dev stopped", round(time.monotonic() - T, 2))
    finally:
        context.close()
        log.close()
