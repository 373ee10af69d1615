"""Counting requests in flight, so a stopping worker can let them finish.

aiohttp's own graceful shutdown stops reading from connections at once,
which would strand an upload whose body is still arriving; a worker instead
closes its listener, waits here for the count to reach zero, then shuts down.
While it stops, every answer closes its connection, and it waits for a quiet
moment: a client still busy on a kept-alive connection moves to another replica
instead of finding the connection closed under its next request.
"""

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

QUIET_SECONDS = 1.0


class InFlight:
    def __init__(self) -> None:
        self._count = 0
        self._started = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self.stopping = False

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self._count += 1
        self._started += 1
        self._idle.clear()
        try:
            response = await handler(request)
            # `Connection: close` while stopping. Only on an answer not yet under way: one
            # whose headers went out saying keep-alive must keep the connection open, else
            # the client's next request meets a closed socket. (An on_response_prepare hook
            # is too late: aiohttp has written the Connection header by then.)
            if self.stopping and not response.prepared:
                response.force_close()
            return response
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    @property
    def count(self) -> int:
        return self._count

    async def drained(self, timeout: float, quiet: float = QUIET_SECONDS) -> bool:
        """Wait until no request has been in flight for `quiet` seconds; False if `timeout`
        passed first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                await asyncio.wait_for(self._idle.wait(), max(deadline - loop.time(), 0))
            except TimeoutError:
                return False
            started = self._started
            await asyncio.sleep(max(min(quiet, deadline - loop.time()), 0))
            if self._count == 0 and self._started == started:
                return True
            if loop.time() >= deadline:
                return self._count == 0
