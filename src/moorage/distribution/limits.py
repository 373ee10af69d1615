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
would fail, so while any request waits, one task per limiter looks at the waiting requests'
connections every POLL seconds and takes those whose clients have gone out of the queue.

Not limited (OpenShift limits all but its health checks): `/v2/`, the token endpoint, and
everything outside `/v2/` (metrics, health). These touch no storage and stream nothing,
so they cost little; they are how clients authenticate and how probes and scrapers tell
a busy replica from a dead one, which is exactly when they must still be answered.
"""

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Callable

from aiohttp import web
from aiohttp.typedefs import Handler

from moorage.distribution.errors import error_response
from moorage.registry.settings import RequestLimits

READS = frozenset({"GET", "HEAD", "OPTIONS"})
POLL = 0.5  # seconds between looks at the connections of queued requests
RETRY_AFTER = "1"


class Refused(Exception):
    """No place: the queue is full, the wait ran out, or the client left."""


class Limiter:
    def __init__(self, kind: str, limits: RequestLimits) -> None:
        self.kind = kind  # "read" or "write": named in refusals
        self.limits = limits
        self.running = 0
        # Each waiting request's turn, oldest first, and what says its client has gone.
        self._queue: OrderedDict[asyncio.Future[None], Callable[[], bool]] = OrderedDict()
        self._sweeper: asyncio.Task[None] | None = None

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
                f"{self.kind}s running: {self.running}, waiting: {len(self._queue)}, as many as "
                f"spec.requests.{self.kind} allows; try again later"
            )
        turn = asyncio.get_running_loop().create_future()
        self._queue[turn] = gone
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep())
        try:
            await asyncio.wait((turn,), timeout=self.limits.max_wait)
        except BaseException:
            self._give_up(turn)
            raise
        if not turn.done():
            self._give_up(turn)
            raise Refused(
                f"waited {self.limits.max_wait:g}s (spec.requests.{self.kind}.maxWaitInQueue) "
                f"and no running {self.kind} ended; try again later"
            )
        turn.result()  # Refused if the sweeper found the client gone

    def done(self) -> None:
        """A running request ended: its place goes to the longest waiting, if any."""
        if self._queue:
            turn, _gone = self._queue.popitem(last=False)
            turn.set_result(None)
        else:
            self.running -= 1

    def _give_up(self, turn: asyncio.Future[None]) -> None:
        if not turn.done():
            del self._queue[turn]
        elif turn.exception() is None:  # handed a place while giving up: pass it on
            self.done()

    async def _sweep(self) -> None:
        """While anyone waits, refuse those whose clients have gone, every POLL seconds."""
        while self._queue:
            await asyncio.sleep(POLL)
            for turn in [turn for turn, gone in self._queue.items() if gone()]:
                del self._queue[turn]
                turn.set_exception(Refused("the client left while waiting"))
        self._sweeper = None


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
