"""The collect endpoint as an ASGI application (Starlette), run by uvicorn (commands/collect.py).

One route: POST /batches, a JSON export document (sealed, format 2, or plain, format 1) of at most
limits.MAX_BATCH_BYTES. Nothing else is served: no listing, no file, no way to read a record back
(GET /batches is 405, every other path 404). Answers are JSON:

  200 {"batch": sha256, "records": [{"position", "id", "status": stored|known|conflict|rejected, "reason"}], "counts"}
  413 too large, 415 not JSON, 422 the batch cannot be opened or read (quarantined, with the reason),
  429 too many batches from this device (Retry-After), 500 the server failed (the app sends again).

Every answer with an error carries {"error": "<Chinese reason>"}, which the app shows to the member.
Cross-origin requests are allowed from the site's origin (site.yaml base_url) and --origin values only.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import Callable

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from site_builder.collect import limits
from site_builder.collect.receive import Answer, Collector

PATH = "/batches"
DEVICE_HEADER = "X-Sansong-Device"


def _error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


async def _body(request: Request, most: int) -> bytes | None:
    """The request body, or None as soon as it grows past `most` bytes."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > most:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


DRAINED_BYTES = 4 * limits.MAX_BATCH_BYTES  # past this a refused body is not read: the connection just closes


async def _too_large(request: Request, max_bytes: int) -> JSONResponse:
    """413, once what is left of the body is read and dropped (up to DRAINED_BYTES): a phone still sending
    then reads the answer instead of a connection broken under it."""
    size = 0
    with contextlib.suppress(ClientDisconnect):
        async for chunk in request.stream():
            size += len(chunk)
            if size > DRAINED_BYTES:
                break
    return _error(413, f"这批记录太大（超过 {max_bytes // 1024 // 1024} MB），请在“我的记录”中导出文件发送")


def make_app(collector: Collector, origins: list[str], rate: limits.RateLimit | None = None,
             max_bytes: int = limits.MAX_BATCH_BYTES, say: Callable[[str], None] = print) -> Starlette:
    rate = rate or limits.RateLimit()

    async def batches(request: Request) -> JSONResponse:
        key = limits.client_key(request.headers.get(DEVICE_HEADER), request.client.host if request.client else None)
        wait = rate.allow(key)
        if wait:
            return _error(429, "发送太频繁，请稍后再试（记录仍在手机上，会自动重发）",
                          {"Retry-After": str(max(1, math.ceil(wait)))})
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_bytes):
            return await _too_large(request, max_bytes)
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            return _error(415, "发送的不是 JSON 记录文件")
        try:
            data = await _body(request, max_bytes)
        except ClientDisconnect:
            return _error(400, "连接中断，没有收完这批记录")
        if data is None:
            return await _too_large(request, max_bytes)
        answer: Answer = await asyncio.get_running_loop().run_in_executor(collector.executor, collector.receive, data)
        if answer.line:
            say(answer.line)
        return JSONResponse(answer.body, status_code=answer.status)

    middleware = [Middleware(CORSMiddleware, allow_origins=origins, allow_methods=["POST"],
                             allow_headers=["Content-Type", DEVICE_HEADER], max_age=86400)]
    return Starlette(routes=[Route(PATH, batches, methods=["POST"])], middleware=middleware)
