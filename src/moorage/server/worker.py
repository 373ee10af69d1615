"""The processes `moorage serve` runs: registry workers and the API server."""

import asyncio
import uuid
from dataclasses import dataclass
from pathlib import Path

from moorage.api.app import build_api_app
from moorage.distribution.app import build_app
from moorage.imagestreams.projects import ProjectRepositories
from moorage.imagestreams.streams import ImageStreams
from moorage.observability import logs
from moorage.registry.service import Registry
from moorage.resources.catalogue import catalogue
from moorage.server.config import ServerConfig
from moorage.server.listener import serve_until_stopped
from moorage.storage import open_blob_store
from moorage.store.database import open_engine
from moorage.store.registry_metadata import RegistryMetadata
from moorage.store.resources import ResourceStore


@dataclass(frozen=True)
class WorkerPlan:
    """What every process needs, prepared once by the parent."""

    config: ServerConfig
    database_url: str
    storage_root: Path
    secret: bytes


def run_registry_worker(plan: WorkerPlan) -> None:
    logs.configure(plan.config.log_level, str(uuid.uuid4()))
    # The standard loop, not uvloop: only its transports support sendfile(2) (ADR 0001).
    asyncio.run(_registry(plan))


def run_api_server(plan: WorkerPlan) -> None:
    logs.configure(plan.config.log_level, str(uuid.uuid4()))
    asyncio.run(_api(plan))


async def _registry(plan: WorkerPlan) -> None:
    config = plan.config
    engine = open_engine(plan.database_url)
    store = open_blob_store(config.storage, plan.storage_root)
    metadata = RegistryMetadata(engine, hooks=ImageStreams(config.registry_host))
    projects = ProjectRepositories(ResourceStore(engine))
    registry = Registry.build(store, metadata, plan.secret, projects)
    app = build_app(registry)
    await serve_until_stopped(app, config.host, config.port, config.shutdown_timeout, "registry")
    metadata.close()
    engine.dispose()


async def _api(plan: WorkerPlan) -> None:
    config = plan.config
    engine = open_engine(plan.database_url)
    store = ResourceStore(engine)
    app = build_api_app(catalogue(), store, ImageStreams(config.registry_host))
    trimming = asyncio.create_task(_trim_events(store))
    await serve_until_stopped(app, config.api_host, config.api_port, config.shutdown_timeout, "API")
    trimming.cancel()
    engine.dispose()


async def _trim_events(store: ResourceStore, every: float = 60.0) -> None:
    while True:
        await asyncio.to_thread(store.trim_events)
        await asyncio.sleep(every)
