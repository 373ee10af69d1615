"""The API server process: the Kubernetes-style control plane on its own port."""

import asyncio
import contextlib
import logging
import uuid
from pathlib import Path

from moorage.api.app import build_api_app
from moorage.api.warnings import low_space_warning
from moorage.auth.identities import Identities
from moorage.auth.passwords import HtpasswdFile
from moorage.auth.policy import StoredPolicy
from moorage.auth.registry_access import RegistryAccess
from moorage.console.app import install as install_console
from moorage.console.upstream import Listener
from moorage.imagestreams.imports import Imports
from moorage.imagestreams.pruner import Pruner
from moorage.imagestreams.scheduled import run_scheduled
from moorage.imagestreams.streams import ImageStreams
from moorage.observability import logs
from moorage.observability.health import Health
from moorage.observability.space import measure
from moorage.resources.catalogue import catalogue
from moorage.server.listener import serve_until_stopped
from moorage.server.worker import WorkerPlan
from moorage.store.database import open_engine
from moorage.store.errors import Unavailable
from moorage.store.resources import Ref, ResourceStore

log = logging.getLogger("moorage.server")


NAMESPACE_DEFAULT = Ref("", "namespaces", "", "default")  # read to see the store answer


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
    access = RegistryAccess(policy, store)
    imports = Imports(store, streams)
    pruner = Pruner(store, streams, config.gc_grace, config.tag_restore_window)
    app = build_api_app(
        catalogue(), store, streams, identities, policy, access, plan.pod_logs, imports, pruner
    )
    app.on_response_prepare.append(low_space_warning(plan.data_root))
    trust = (plan.api_tls.ca or plan.api_tls.cert) if plan.api_tls else None
    install_console(app, Listener(config.api_host, config.api_port, trust))
    _health(store).install(app)
    trimming = asyncio.create_task(_trim_events(store, identities))
    watching = asyncio.create_task(_warn_while_space_low(plan.data_root))
    scheduling = asyncio.create_task(run_scheduled(imports, config.scheduled_import_interval))
    tls = plan.api_tls.server_context() if plan.api_tls else None
    await serve_until_stopped(
        app, config.api_host, config.api_port, config.shutdown_timeout, "API", tls
    )
    for task in (trimming, watching, scheduling):
        task.cancel()
    store.close()
    engine.dispose()


def _health(store: ResourceStore) -> Health:
    """Ready while the store answers."""

    async def store_answers() -> None:
        def read() -> None:
            with store.reading() as tx:
                tx.get(NAMESPACE_DEFAULT)

        await asyncio.to_thread(read)

    return Health({"store": store_answers})


async def _trim_events(store: ResourceStore, identities: Identities, every: float = 60.0) -> None:
    """Old change-log rows and expired tokens go, once a minute (the next minute, in an outage)."""
    while True:
        with contextlib.suppress(Unavailable):
            await asyncio.to_thread(store.trim_events)
            await asyncio.to_thread(identities.forget_expired)
        await asyncio.sleep(every)


async def _warn_while_space_low(data_root: Path, every: float = 60.0) -> None:
    """A warning line each minute while the data volume runs low (`serve` says it at start)."""
    while True:
        await asyncio.sleep(every)
        space = await asyncio.to_thread(measure, data_root)
        if space.low:
            log.warning(space.warning())
