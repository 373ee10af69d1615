"""Streaming watch events: `{"type": ..., "object": ...}` lines, resumable by resourceVersion.

A watch from no version (or "0") starts with an ADDED event for every current
object, then follows the change log; from version N, it sends what changed
after N, or 410 Gone when the log no longer reaches back that far. While the
database is unavailable a watch waits and then resumes where it was; before
its first byte, an outage is answered 503 like any other request.
"""

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from moorage.api.backends import Backend
from moorage.api.context import STOPPING
from moorage.api.status import ApiError, status_object
from moorage.store.errors import Gone, Unavailable

POLL_SECONDS = 0.2
DEFAULT_TIMEOUT = 1800

Matches = Callable[[dict[str, Any]], bool]


async def stream(
    request: web.Request, backend: Backend, namespace: str | None, matches: Matches
) -> web.StreamResponse:
    start = request.query.get("resourceVersion") or "0"
    if not start.isdigit():
        raise ApiError("BadRequest", f"invalid resourceVersion {start!r}")
    timeout_text = request.query.get("timeoutSeconds") or str(DEFAULT_TIMEOUT)
    if not timeout_text.isdigit():
        raise ApiError("BadRequest", f"timeoutSeconds must be a whole number, got {timeout_text!r}")
    timeout = float(timeout_text)
    version, current = int(start), list[dict[str, Any]]()
    if version == 0:  # read before the response starts, so an error is still a Status
        page = await asyncio.to_thread(backend.list, namespace, None, None)
        version, current = page.resource_version, [obj for obj in page.items if matches(obj)]
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    try:
        for obj in current:
            await _send(response, "ADDED", obj)
        await _follow(request, response, backend, namespace, matches, version, timeout)
        await response.write_eof()
    except ConnectionResetError:
        pass  # the watcher went away: nothing to finish
    return response


async def _follow(
    request: web.Request,
    response: web.StreamResponse,
    backend: Backend,
    namespace: str | None,
    matches: Matches,
    version: int,
    timeout: float,
) -> None:
    deadline = time.monotonic() + timeout
    stopping = request.app[STOPPING]
    while time.monotonic() < deadline and not disconnected(request) and not stopping.is_set():
        try:
            events = await asyncio.to_thread(backend.events_after, version)
        except Gone as exc:
            await _send(response, "ERROR", status_object("Expired", exc.message))
            break
        except Unavailable as exc:
            await asyncio.sleep(exc.retry_after_seconds)
            continue
        for event in events:
            version = event.resource_version
            if (namespace is None or event.namespace == namespace) and matches(event.object):
                await _send(response, event.type, event.object)
        if not events:
            await asyncio.sleep(POLL_SECONDS)


def disconnected(request: web.Request) -> bool:
    """The watcher went away: a quiet watch would otherwise only notice at its next event."""
    return request.transport is None or request.transport.is_closing()


async def _send(response: web.StreamResponse, type_: str, obj: dict[str, Any]) -> None:
    await response.write(json.dumps({"type": type_, "object": obj}).encode() + b"\n")
