"""A registry worker process: the OCI Distribution API on the shared registry port.

It imports only what serving the registry needs (no API schemas, no
migrations), so each worker stays small; the parent starts it with `spawn`.
"""

import asyncio
import uuid

from moorage.distribution.app import build_app
from moorage.imagestreams.projects import ProjectRepositories
from moorage.imagestreams.streams import ImageStreams
from moorage.observability import logs
from moorage.registry.service import Registry
from moorage.server.listener import serve_until_stopped
from moorage.server.worker import WorkerPlan
from moorage.storage import open_blob_store
from moorage.store.database import open_engine
from moorage.store.registry_metadata import RegistryMetadata
from moorage.store.resources import ResourceStore


def run_registry_worker(plan: WorkerPlan) -> None:
    logs.configure(plan.config.log_level, str(uuid.uuid4()))
    # The standard loop, not uvloop: only its transports support sendfile(2) (ADR 0001).
    asyncio.run(_registry(plan))


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
