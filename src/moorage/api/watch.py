"""Streaming watch events: `{"type": ..., "object": ...}` lines, resumable by resourceVersion.

A watch from no version (or "0") starts with an ADDED event for every current
object, then follows the change log; from version N, it sends what changed
after N, or 410 Gone when the log no longer reaches back that far.
"""

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from moorage.api.backends import Backend
from moorage.api.status import status_object
from moorage.store.errors import Gone

POLL_SECONDS = 0.2
DEFAULT_TIMEOUT = 1800

Matches = Callable[[dict[str, Any]], bool]


async def stream(
    request: web.Request, backend: Backend, namespace: str | None, matches: Matches
) -> web.StreamResponse:
    start = request.query.get("resourceVersion") or "0"
    if not start.isdigit():
        raise Gone(f"invalid resource version {start!r}")
    timeout = float(request.query.get("timeoutSeconds") or DEFAULT_TIMEOUT)
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    version = int(start)
    if version == 0:
        page = await asyncio.to_thread(backend.list, namespace, None, None)
        for obj in page.items:
            if matches(obj):
                await _send(response, "ADDED", obj)
        version = page.resource_version
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            events = await asyncio.to_thread(backend.events_after, version)
        except Gone as exc:
            await _send(response, "ERROR", status_object("Expired", exc.message))
            break
        for event in events:
            version = event.resource_version
            if (namespace is None or event.namespace == namespace) and matches(event.object):
                await _send(response, event.type, event.object)
        if not events:
            await asyncio.sleep(POLL_SECONDS)
    await response.write_eof()
    return response


async def _send(response: web.StreamResponse, type_: str, obj: dict[str, Any]) -> None:
    await response.write(json.dumps({"type": type_, "object": obj}).encode() + b"\n")
