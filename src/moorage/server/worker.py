"""One registry worker process: an aiohttp server on a SO_REUSEPORT socket."""

import asyncio
import logging
import signal
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from moorage.distribution.app import build_app
from moorage.observability import logs
from moorage.registry.service import Registry
from moorage.server.config import ServerConfig
from moorage.server.draining import InFlight
from moorage.storage import open_blob_store
from moorage.store.database import open_engine
from moorage.store.registry_metadata import RegistryMetadata

log = logging.getLogger("moorage.server")


@dataclass(frozen=True)
class WorkerPlan:
    """What every worker needs, prepared once by the parent."""

    config: ServerConfig
    database_url: str
    storage_root: Path
    secret: bytes


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


def run_worker(plan: WorkerPlan) -> None:
    logs.configure(plan.config.log_level, str(uuid.uuid4()))
    # The standard loop, not uvloop: only its transports support sendfile(2) (ADR 0001).
    asyncio.run(_serve(plan))


async def _serve(plan: WorkerPlan) -> None:
    config = plan.config
    engine = open_engine(plan.database_url)
    registry = Registry.build(
        open_blob_store(config.storage, plan.storage_root), RegistryMetadata(engine), plan.secret
    )
    in_flight = InFlight()
    app = build_app(registry)
    app.middlewares.insert(0, in_flight.middleware)
    runner = web.AppRunner(
        app,
        access_log_class=logs.RequestLogger,
        access_log=logging.getLogger("moorage.access"),
        handle_signals=False,
        shutdown_timeout=config.shutdown_timeout,
    )
    await runner.setup()
    await web.SockSite(runner, listening_socket(config.host, config.port)).start()
    logs.event(log, f"listening on {config.host}:{config.port}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()
    for site in list(runner.sites):
        await site.stop()
    logs.event(
        log,
        "shutting down: finishing requests in flight",
        requests=in_flight.count,
        timeout=f"{config.shutdown_timeout}s",
    )
    if not await in_flight.drained(config.shutdown_timeout):
        log.warning(
            "shutdown timeout reached: abandoning requests in flight",
            extra={"fields": {"requests": in_flight.count}},
        )
    await runner.cleanup()
    engine.dispose()
    logs.event(log, "stopped")
