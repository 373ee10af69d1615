"""spec.requests.read / .write: how many requests one replica runs at once, and how many wait.

Reads are GET, HEAD and OPTIONS; every other method is a write. That is OpenShift's
registry's rule (pkg/cmd/dockerregistry `limit`: it sorts by method alone), so a GET of
an upload's status is a read and a POST that starts an upload is a write.

At most `max_running` requests of a kind run at once; past that, up to `max_in_queue` more
wait, in order of arrival, at most `max_wait` seconds each; the rest are answered at once
429 TOOMANYREQUESTS (OCI error JSON, Retry-After: 1, as OpenShift sends), and so is a request
that waited its `max_wait` out. No limits set: no middleware is installed at all.

A request's whole life counts: its place is held until its answer is written, so a blob
GET streaming for a minute holds its place for that minute, a manifest's body included.
A place is given back however the request ends: answered, failed, or cancelled. aiohttp
does not cancel a handler whose client left, and a queued request has nothing to read that
would fail, so a queued request looks at its connection every POLL seconds and leaves the
queue when its client has gone.

Not limited (OpenShift limits all but its health checks): `/v2/`, the token endpoint, and
everything outside `/v2/` (metrics, health). These touch no storage and stream nothing,
so they cost little; they are how clients authenticate and how probes and scrapers tell
a busy replica from a dead one, which is exactly when they must still be answered.
"""

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from moorage.distribution.errors import error_response
from moorage.registry.settings import RequestLimits

READS = frozenset({"GET", "HEAD", "OPTIONS"})
POLL = 0.5  # seconds between looks at a queued request's connection
RETRY_AFTER = "1"


class Refused(Exception):
    """No place: the queue is full, the wait ran out, or the client left."""


class Limiter:
    def __init__(self, kind: str, limits: RequestLimits) -> None:
        self.kind = kind  # "read" or "write": named in refusals
        self.limits = limits
        self.running = 0
        self._queue: deque[asyncio.Future[None]] = deque()

    @property
    def queued(self) -> int:
        return len(self._queue)

    def try_start(self) -> bool:
        """Take a running place if one is free (no one is queued then): call done() after."""
        if self.running < self.limits.max_running:
            self.running += 1
            return True
        return False

    async def wait(self, gone: Callable[[], bool]) -> None:
        """Queue for a running place (call done() after), or raise Refused. `gone` says
        whether the waiting request's client has left."""
        if len(self._queue) >= self.limits.max_in_queue:
            raise Refused(
                f"{self.running} {self.kind}s are running and {len(self._queue)} waiting, "
                f"as many as spec.requests.{self.kind} allows; try again later"
            )
        turn = asyncio.get_running_loop().create_future()
        self._queue.append(turn)
        try:
            await self._until(turn, gone)
        except BaseException:
            if turn.done():  # handed a place while giving up: pass it on
                self.done()
            else:
                self._queue.remove(turn)
            raise

    def done(self) -> None:
        """A running request ended: its place goes to the longest waiting, if any."""
        if self._queue:
            self._queue.popleft().set_result(None)
        else:
            self.running -= 1

    async def _until(self, turn: asyncio.Future[None], gone: Callable[[], bool]) -> None:
        loop = asyncio.get_running_loop()
        wait = self.limits.max_wait
        deadline = None if wait is None else loop.time() + wait
        while True:
            left = POLL if deadline is None else min(POLL, deadline - loop.time())
            await asyncio.wait((turn,), timeout=max(left, 0))
            if turn.done():
                return
            if gone():
                raise Refused("the client left while waiting")
            if deadline is not None and loop.time() >= deadline:
                raise Refused(
                    f"waited {wait:g}s (spec.requests.{self.kind}.maxWaitInQueue) for one of "
                    f"{self.running} running {self.kind}s to end; try again later"
                )


class Limits:
    """A replica's limiters, one per kind that has limits, applied as middleware."""

    def __init__(self, read: RequestLimits | None, write: RequestLimits | None) -> None:
        self.readers = Limiter("read", read) if read else None
        self.writers = Limiter("write", write) if write else None

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        limiter = self.readers if request.method in READS else self.writers
        if limiter is None or not _limited(request.path):
            return await handler(request)
        if not limiter.try_start():
            try:
                await limiter.wait(lambda: _gone(request))
            except Refused as refused:
                return _too_many(str(refused))
        try:
            return await _answered(request, handler)
        finally:
            limiter.done()


def _limited(path: str) -> bool:
    return path.startswith("/v2/") and path != "/v2/"


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def _answered(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The handler's response, written: aiohttp would write a plain Response after the
    middleware returned, outside the request's place."""
    response = await handler(request)
    if not response.prepared:
        with contextlib.suppress(ConnectionError):  # aiohttp sees it too, and says less
            await response.prepare(request)
            await response.write_eof()
    return response


def _too_many(message: str) -> web.Response:
    response = error_response("TOOMANYREQUESTS", f"too many requests: {message}")
    response.headers["Retry-After"] = RETRY_AFTER
    return response
