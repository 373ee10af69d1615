"""Serving one aiohttp application on a listening socket until SIGTERM, then draining."""

import asyncio
import logging
import os
import signal
import socket
import ssl
from collections.abc import Sequence
from multiprocessing.synchronize import Event

from aiohttp import web

from moorage.observability import logs
from moorage.observability.health import HEALTH
from moorage.platform.listeners import listening_socket
from moorage.server.draining import InFlight

log = logging.getLogger("moorage.server")


async def serve_until_stopped(
    app: web.Application,
    host: str,
    port: int,
    shutdown_timeout: float,
    what: str,
    ssl_context: ssl.SSLContext | None = None,
    ready: Event | None = None,
    sock: socket.socket | None = None,
    more: Sequence[tuple[socket.socket, ssl.SSLContext, str]] = (),
) -> None:
    """`sock`: a listening socket shared with other processes; else one of our own. `more`:
    other shared sockets to serve the same application on over TLS, and what they are."""
    in_flight = InFlight()
    app.middlewares.insert(0, in_flight.middleware)
    runner = web.AppRunner(
        app,
        access_log_class=logs.RequestLogger,
        access_log=logging.getLogger("moorage.access"),
        handle_signals=False,
        shutdown_timeout=shutdown_timeout,
    )
    await runner.setup()
    listener = sock if sock is not None else listening_socket(host, port)
    await web.SockSite(runner, listener, ssl_context=ssl_context).start()
    scheme = "https" if ssl_context else "http"
    logs.event(log, f"{what} listening on {host}:{port}", pid=os.getpid(), scheme=scheme)
    for other, context, name in more:
        await web.SockSite(runner, other, ssl_context=context).start()
        address = "{}:{}".format(*other.getsockname()[:2])
        logs.event(log, f"{name} listening on {address}", pid=os.getpid(), scheme="https")
    if ready is not None:
        ready.set()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    in_flight.stopping = True
    if HEALTH in app:
        app[HEALTH].stopping = True  # out of a load balancer's rotation from now on
    for site in list(runner.sites):
        await site.stop()
    await app.shutdown()  # long-lived requests (watches) end now; others finish below
    logs.event(
        log,
        "shutting down: finishing requests in flight",
        requests=in_flight.count,
        timeout=f"{shutdown_timeout}s",
    )
    if not await in_flight.drained(shutdown_timeout):
        log.warning(
            "shutdown timeout reached: abandoning requests in flight",
            extra={"fields": {"requests": in_flight.count}},
        )
    await runner.cleanup()
    logs.event(log, "stopped")
