"""How long from saving an edit under `site-builder serve` to the page reloaded with the change.

    .venv/bin/python benchmarks/serve_reload.py [--edits 10] [--stories N]

Starts `site-builder serve` on a copy of the sample content (plus N synthetic stories), connects to its
livereload websocket as the page's livereload.js does, then edits a story again and again: for each edit,
the time from writing the file to the reload message, and to the edited page fetched with the new text
(what the browser does on that message). Prints each figure and the median; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORY = "2026-03-wudianban-ketang"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


async def measure(port: int, story: Path, edits: int) -> list[tuple[float, float]]:
    from tornado.websocket import websocket_connect

    ws = await websocket_connect(f"ws://127.0.0.1:{port}/livereload")
    ws.write_message(json.dumps({"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}))
    await ws.read_message()
    ws.write_message(json.dumps({"command": "info", "url": f"http://127.0.0.1:{port}/", "plugins": {}}))
    await asyncio.sleep(0.5)
    text = story.read_text(encoding="utf-8")
    figures = []
    for n in range(edits):
        marker = f"编辑标记{n}号"
        started = time.perf_counter()
        story.write_text(text.replace("\n\n", f"\n\n{marker}", 1), encoding="utf-8")
        while True:
            message = json.loads(await asyncio.wait_for(ws.read_message(), 60))
            if message.get("command") == "reload":
                break
        reloaded = time.perf_counter() - started
        page = fetch(f"http://127.0.0.1:{port}/stories/{STORY}/")
        shown = time.perf_counter() - started
        if marker not in page:
            raise SystemExit(f"edit {n}: the page did not have the change after the reload message")
        figures.append((reloaded, shown))
        await asyncio.sleep(0.3)
    ws.close()
    return figures


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--stories", type=int, default=0, help="synthetic stories added to the sample content")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="site-builder-serve-bench-"))
    port = free_port()
    try:
        shutil.copytree(ROOT / "content", folder / "content")
        if args.stories:
            sys.path.insert(0, str(ROOT / "benchmarks"))
            from build_many_stories import write_stories

            write_stories(folder / "content", args.stories, ["yangguang"], ["jiaoyu-wenti"], 2026)
        process = subprocess.Popen([sys.executable, "-m", "site_builder", "serve", "--content", str(folder / "content"),
                                    "--port", str(port), "--today", "2026-11-28"], cwd=folder,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 300
            while True:
                try:
                    fetch(f"http://127.0.0.1:{port}/")
                    break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise SystemExit("serve did not start") from None
                    time.sleep(0.2)
            story = folder / "content" / "stories" / f"{STORY}.md"
            figures = asyncio.run(measure(port, story, args.edits))
        finally:
            process.terminate()
            process.wait(10)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    for n, (reloaded, shown) in enumerate(figures):
        print(f"  edit {n + 1:2}: reload message {reloaded * 1000:6.0f} ms, page with the change {shown * 1000:6.0f} ms")
    result = {"reload_ms": statistics.median(r for r, _ in figures) * 1000,
              "page_ms": statistics.median(s for _, s in figures) * 1000}
    print(f"  median: reload message {result['reload_ms']:.0f} ms, edited page fetched {result['page_ms']:.0f} ms "
          f"({'sample content' if not args.stories else f'sample + {args.stories} stories'})")
    return result


if __name__ == "__main__":
    main()
