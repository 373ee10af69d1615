"""The API server process: the Kubernetes-style control plane on its own port."""

import asyncio
import uuid

from moorage.api.app import build_api_app
from moorage.auth.identities import Identities
from moorage.auth.passwords import HtpasswdFile
from moorage.auth.policy import StoredPolicy
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
    htpasswd = HtpasswdFile(config.htpasswd_file) if config.htpasswd_file else None
    identities = Identities(store, htpasswd)
    policy = StoredPolicy(store)
    streams = ImageStreams(config.registry_host)
    app = build_api_app(catalogue(), store, streams, identities, policy)
    trimming = asyncio.create_task(_trim_events(store, identities))
    tls = plan.api_tls.server_context() if plan.api_tls else None
    await serve_until_stopped(
        app, config.api_host, config.api_port, config.shutdown_timeout, "API", tls
    )
    trimming.cancel()
    store.close()
    engine.dispose()


async def _trim_events(store: ResourceStore, identities: Identities, every: float = 60.0) -> None:
    """Old change-log rows and expired tokens go, once a minute."""
    while True:
        await asyncio.to_thread(store.trim_events)
        await asyncio.to_thread(identities.forget_expired)
        await asyncio.sleep(every)
