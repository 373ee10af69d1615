"""Counting requests in flight, so a stopping worker can let them finish.

aiohttp's own graceful shutdown stops reading from connections at once,
which would strand an upload whose body is still arriving; a worker instead
closes its listener, waits here for the count to reach zero, then shuts down.
"""

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web


class InFlight:
    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        self._count += 1
        self._idle.clear()
        try:
            return await handler(request)
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    @property
    def count(self) -> int:
        return self._count

    async def drained(self, timeout: float) -> bool:
        """Wait until no request is in flight; False if `timeout` passed first."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True
