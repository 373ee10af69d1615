"""What every registry request adds to the metrics: in flight, count by code and method,
duration, body sizes, time until its headers were written, and the operation's own time.

The outer middleware sees each request as the client does (refusals and errors
included, after oci_errors made them); the inner one only what a route's handler did
once access allowed it.
"""

import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from moorage.observability.metrics import (
    HTTP_DURATION,
    HTTP_IN_FLIGHT,
    HTTP_REQUEST_SIZE,
    HTTP_REQUESTS,
    HTTP_RESPONSE_SIZE,
    HTTP_TIME_TO_HEADER,
    REQUEST_DURATION,
    Metrics,
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
STARTED = web.RequestKey("started", float)


class Instrumentation:
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics
        self._in_flight = metrics.samples[HTTP_IN_FLIGHT.name].setdefault((), [0.0])
        self._operations: dict[Handler, tuple[str]] = {}

    def install(self, app: web.Application) -> None:
        """Measure every request of `app`; call after its routes are added."""
        for route in app.router.routes():
            self._operations[route.handler] = (_operation(route.handler),)
        app.middlewares.insert(0, self.requests)
        app.middlewares.append(self.operations)
        app.on_response_prepare.append(self._headers_written)

    @web.middleware
    async def requests(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = request[STARTED] = time.perf_counter()
        self._in_flight[0] += 1
        status = None  # the client went away before an answer: not counted
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self._in_flight[0] -= 1
            if status is not None:
                self._count(request, status, started)

    def _count(self, request: web.Request, status: int, started: float) -> None:
        metrics, method = self._metrics, request.method.lower()
        metrics.inc(HTTP_REQUESTS, (str(status), method))
        metrics.observe(HTTP_DURATION, (method,), time.perf_counter() - started)
        metrics.observe(HTTP_REQUEST_SIZE, (), request.content.total_bytes)

    @web.middleware
    async def operations(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        try:
            response = await handler(request)
        finally:
            operation = self._operations.get(request.match_info.route.handler)
            if operation is not None:
                elapsed = time.perf_counter() - started
                self._metrics.observe(REQUEST_DURATION, operation, elapsed)
        return response

    async def _headers_written(self, request: web.Request, response: web.StreamResponse) -> None:
        started = request.get(STARTED)
        if started is not None:
            self._metrics.observe(HTTP_TIME_TO_HEADER, (), time.perf_counter() - started)
        declared = response.content_length
        size = 0 if request.method == "HEAD" else declared or 0
        self._metrics.observe(HTTP_RESPONSE_SIZE, (), size)


def _operation(handler: Handler) -> str:
    """A route's operation, named after its handler: `manifests.get_manifest`."""
    return f"{handler.__module__.rpartition('.')[2]}.{handler.__name__}"
