"""site-builder collect as a real subprocess on 127.0.0.1: every batch is in data/inbox/ before it is
answered, ingested by ingest's own code and answered per record (stored, known, conflict, rejected); a
batch sent twice is stored once; a tampered batch is quarantined (422 with the reason); size and rate
limits; nothing else is served (no listing, no way to read records back)."""

from __future__ import annotations

import json
import re
import select
import shutil
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

import exportkit as kit
from site_builder.collect import limits
from site_builder.ledger import seal

VECTORS = Path(__file__).parent / "fixtures" / "seal"
PRIVATE = serialization.load_pem_private_key((VECTORS / "TEST-ONLY-private.pem").read_bytes(), password=None)
PUBLIC = PRIVATE.public_key()  # type: ignore[union-attr]
ORIGIN = "http://127.0.0.1:9"


@dataclass
class Collect:
    process: subprocess.Popen
    url: str
    data: Path
    first_line: str

    def post(self, body: bytes, device: str | None = "dev-1", content_type: str = "application/json",
             origin: str | None = None) -> tuple[int, dict, dict]:
        headers = {"Content-Type": content_type}
        if device:
            headers["X-Sansong-Device"] = device
        if origin:
            headers["Origin"] = origin
        request = urllib.request.Request(self.url + "/batches", data=body, headers=headers, method="POST")
        return _open(request)

    def get(self, path: str) -> int:
        return _open(urllib.request.Request(self.url + path))[0]


def _open(request) -> tuple[int, dict, dict]:
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}"), dict(response.headers)
    except urllib.error.HTTPError as error:
        text = error.read()
        try:
            body = json.loads(text)
        except ValueError:
            body = {"text": text.decode("utf-8", "replace")}
        return error.code, body, dict(error.headers)


def start(tmp_path: Path, *extra: str, data: Path | None = None, env: dict | None = None) -> Collect:
    data = data or kit.data_dir(tmp_path)
    keys = data / seal.KEYS_DIR
    keys.mkdir(exist_ok=True)
    shutil.copy(VECTORS / "TEST-ONLY-private.pem", keys / f"{seal.key_id(PUBLIC)}.pem")
    process = subprocess.Popen([sys.executable, "-m", "site_builder", "collect", "--content", str(kit.CONTENT),
                                "--data", str(data), "--port", "0", "--origin", ORIGIN, *extra],
                               stdout=subprocess.PIPE, stderr=(tmp_path / "collect.err").open("wb"), text=True,
                               env={"SITE_BUILDER_NOW": kit.NOW, "PATH": "/usr/bin:/bin", **(env or {})})
    line = process.stdout.readline()
    match = re.search(r"http://(127\.0\.0\.1:\d+)/batches", line)
    if not match:
        process.kill()
        raise AssertionError(f"collect did not start: {line!r} {(tmp_path / 'collect.err').read_text()}")
    return Collect(process, f"http://{match.group(1)}", data, line)


@pytest.fixture
def collect(tmp_path):
    running = start(tmp_path)
    yield running
    running.process.terminate()
    running.process.wait(timeout=10)


def sealed(records: list, **envelope) -> bytes:
    return seal.sealed_bytes(json.dumps(kit.export(records, **envelope), ensure_ascii=False).encode("utf-8"), PUBLIC)


def ledger_ids(data: Path) -> list[str]:
    with sqlite3.connect(data / "records.sqlite") as db:
        return sorted(row[0] for row in db.execute("SELECT id FROM records"))


def test_it_listens_on_127_0_0_1_by_default(collect):
    assert "http://127.0.0.1:" in collect.first_line and ORIGIN in collect.first_line


def test_a_batch_is_in_the_inbox_ingested_and_answered_per_record(collect):
    records = [kit.record("registration"), kit.record("diary"), kit.record("diary", card="X-1")]
    body = sealed(records)
    status, answer, _ = collect.post(body)
    assert status == 200
    assert [(a["id"], a["status"]) for a in answer["records"]] == [
        (records[0]["id"], "stored"), (records[1]["id"], "stored"), (records[2]["id"], "rejected")]
    assert "报到卡号" in answer["records"][2]["reason"]
    assert answer["counts"] == {"stored": 2, "known": 0, "conflict": 0, "rejected": 1}
    inbox = collect.data / "inbox" / f"{answer['batch']}.json"
    assert inbox.read_bytes() == body  # what was received, byte for byte (still sealed)
    assert ledger_ids(collect.data) == sorted(r["id"] for r in records[:2])


def test_the_same_batch_sent_twice_is_stored_once(collect):
    records = [kit.record("diary"), kit.record("claim")]
    body = sealed(records)
    first = collect.post(body)
    again = collect.post(body)
    resealed = collect.post(sealed(records))  # the app seals afresh on a retry: other bytes, same records
    assert [a["status"] for a in first[1]["records"]] == ["stored", "stored"]
    assert [a["status"] for a in again[1]["records"]] == ["known", "known"]
    assert [a["status"] for a in resealed[1]["records"]] == ["known", "known"]
    assert ledger_ids(collect.data) == sorted(r["id"] for r in records)
    with sqlite3.connect(collect.data / "records.sqlite") as db:
        assert db.execute("SELECT count(*) FROM files").fetchone() == (2,)


def test_a_changed_record_with_a_known_id_is_a_conflict(collect):
    record = kit.record("diary")
    collect.post(sealed([record]))
    changed = dict(record, text="改过的内容")
    status, answer, _ = collect.post(sealed([changed]))
    assert status == 200 and answer["records"][0]["status"] == "conflict"
    assert "内容不同" in answer["records"][0]["reason"]


def test_a_tampered_or_unreadable_batch_is_quarantined_with_the_reason(collect):
    document = json.loads(sealed([kit.record("diary")]))
    document["iv"] = "AAAAAAAAAAAAAAAA"
    status, answer, _ = collect.post(json.dumps(document).encode())
    assert status == 422 and "密封校验失败" in answer["error"]
    status, answer, _ = collect.post(json.dumps(document).encode())  # the same bytes again: the same reason
    assert status == 422 and "密封校验失败" in answer["error"]
    status, answer, _ = collect.post(b"{not json")
    assert status == 422 and "JSON" in answer["error"]
    assert list((collect.data / "quarantine").iterdir())
    assert not (collect.data / "records.sqlite").exists() or ledger_ids(collect.data) == []


def test_limits_and_nothing_else_is_served(collect):
    big = b'{"format": "sansong-records", "x": "' + b"a" * (limits.MAX_BATCH_BYTES + 10) + b'"}'
    status, answer, _ = collect.post(big)
    assert status == 413 and "太大" in answer["error"]
    assert collect.post(b"{}", content_type="text/plain")[0] == 415
    assert collect.get("/batches") == 405
    for path in ("/", "/inbox/", "/data/", "/records", "/batches/x", "/archive/"):
        assert collect.get(path) == 404, path
    assert not list((collect.data / "inbox").iterdir())  # refused batches are never stored


def test_cross_origin_requests_only_from_the_site(collect):
    status, _, headers = collect.post(sealed([kit.record("diary")]), origin=ORIGIN)
    assert status == 200 and headers.get("access-control-allow-origin") == ORIGIN
    status, _, headers = collect.post(sealed([kit.record("diary")]), origin="http://evil.example")
    assert "access-control-allow-origin" not in {k.lower() for k in headers}


def test_a_device_sending_too_often_is_told_to_wait(collect):
    answers = [collect.post(b"{}", device="busy-phone")[0] for _ in range(limits.BATCHES_PER_MINUTE + 1)]
    assert answers[:-1] == [422] * limits.BATCHES_PER_MINUTE
    status, body, headers = collect.post(b"{}", device="busy-phone")
    assert status == 429 and int(headers["retry-after"]) >= 1 and "太频繁" in body["error"]
    assert collect.post(b"{}", device="other-phone")[0] == 422  # other phones are not held up


def test_rate_limit_window():
    now = [0.0]
    rate = limits.RateLimit(per_window=2, window=60, clock=lambda: now[0])
    assert rate.allow("a") == 0 and rate.allow("a") == 0
    assert rate.allow("a") == pytest.approx(60)
    now[0] = 30
    assert rate.allow("a") == pytest.approx(30) and rate.allow("b") == 0
    now[0] = 60.5
    assert rate.allow("a") == 0
    assert limits.client_key("3f1c9a2e-0000", "1.2.3.4") == "device:3f1c9a2e-0000"
    assert limits.client_key("bad header\n", "1.2.3.4") == "address:1.2.3.4"


def test_a_port_in_use_is_a_chinese_message(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "site_builder", "collect", "--content", str(kit.CONTENT),
                                 "--data", str(kit.data_dir(tmp_path)), "--port", str(port)],
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "无法在 127.0.0.1" in result.stderr and "Traceback" not in result.stderr
    assert "端口已被占用（EADDRINUSE）" in result.stderr and "in use" not in result.stderr  # not the system's English


def test_while_the_server_fails_it_answers_500_and_stores_nothing(tmp_path):
    fail = tmp_path / "fail"
    fail.touch()
    running = start(tmp_path, env={"SITE_BUILDER_TEST_COLLECT_FAIL": str(fail)})
    try:
        body = sealed([kit.record("diary")])
        assert [running.post(body)[0] for _ in range(2)] == [500, 500]
        assert not list((running.data / "inbox").iterdir())
        fail.unlink()
        status, answer, _ = running.post(body)
        assert status == 200 and answer["records"][0]["status"] == "stored"
    finally:
        running.process.terminate()
        running.process.wait(timeout=10)


def test_a_body_too_large_is_read_to_its_end_before_the_answer(collect):
    """A phone still sending a body over the limit gets the 413, not a connection closed under it: the
    server reads what is left (up to DRAINED_BYTES) before it answers. Deterministic: half-way through
    the body, nothing has been answered yet; the answer comes once the rest is sent."""
    half = 3 * 1024 * 1024  # the whole body, 6 MB, is over the limit (2 MB) and under what is drained (8 MB)
    host, port = collect.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as phone:
        phone.sendall(b"POST /batches HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                      b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (host.encode(), 2 * half))
        phone.sendall(b"a" * half)
        readable, _, _ = select.select([phone], [], [], 1.5)
        assert not readable  # not answered (nor closed) while the body is still coming
        phone.sendall(b"a" * half)
        answer = b""
        while chunk := phone.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413") and "太大".encode() in answer
