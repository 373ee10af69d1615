"""The API server process: the Kubernetes-style control plane on its own port."""

import asyncio
import uuid

from moorage.api.app import build_api_app
from moorage.imagestreams.streams import ImageStreams
from moorage.observability import logs
from moorage.resources.catalogue import catalogue
from moorage.server.listener import serve_until_stopped
from moorage.server.worker import WorkerPlan
from moorage.store.database import open_engine
from moorage.store.resources import ResourceStore


def run_api_server(plan: WorkerPlan) -> None:
    logs.configure(plan.config.log_level, str(uuid.uuid4()))
    asyncio.run(_api(plan))


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
