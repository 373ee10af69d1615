"""A registry worker process: the OCI Distribution API on the shared registry port.

It imports only what serving the registry needs (no API schemas, no
migrations), so each worker stays small; the parent starts it with `spawn`.
"""

import asyncio
import uuid
from multiprocessing.synchronize import Event

from moorage.auth.identities import Identities
from moorage.auth.passwords import HtpasswdFile
from moorage.auth.policy import StoredPolicy
from moorage.auth.registry_access import RegistryAccess
from moorage.auth.registry_authentication import RegistryAuthentication
from moorage.auth.registry_tokens import RegistryTokens
from moorage.auth.token_keys import SigningKeys
from moorage.distribution.app import build_app
from moorage.distribution.callers import Guard
from moorage.distribution.services import ServiceNames
from moorage.imagestreams.projects import ProjectRepositories
from moorage.imagestreams.streams import ImageStreams
from moorage.observability import logs
from moorage.registry.abandoned_uploads import keep_sweeping
from moorage.registry.service import Registry
from moorage.server.config import ServerConfig
from moorage.server.listener import serve_until_stopped
from moorage.server.worker import WorkerPlan
from moorage.storage import open_blob_store
from moorage.store.database import open_engine
from moorage.store.registry_metadata import RegistryMetadata
from moorage.store.resources import ResourceStore


def run_registry_worker(plan: WorkerPlan, ready: Event | None = None) -> None:
    """One replica: `ready` is set once it listens."""
    logs.configure(plan.registry.log_level, str(uuid.uuid4()))
    # The standard loop, not uvloop: only its transports support sendfile(2) (ADR 0001).
    asyncio.run(_registry(plan, ready))


async def _registry(plan: WorkerPlan, ready: Event | None) -> None:
    config, settings = plan.config, plan.registry
    engine = open_engine(plan.database_url)
    store = open_blob_store(settings.storage, plan.storage_root)
    metadata = RegistryMetadata(engine, hooks=ImageStreams(config.registry_host))
    resources = ResourceStore(engine)
    registry = Registry.build(store, metadata, settings.http_secret, ProjectRepositories(resources))
    policy = StoredPolicy(resources)
    app = build_app(
        registry,
        _guard(config, resources, policy),
        read_only=settings.read_only,
        read_limits=settings.read_limits,
        write_limits=settings.write_limits,
    )
    # Every replica sweeps now and then; sweeps racing each other skip what the other took.
    sweeping = asyncio.create_task(keep_sweeping(store))
    await serve_until_stopped(
        app, config.host, config.port, config.shutdown_timeout, "registry", ready=ready
    )
    sweeping.cancel()
    metadata.close()
    resources.close()
    engine.dispose()


def _guard(config: ServerConfig, resources: ResourceStore, policy: StoredPolicy) -> Guard:
    htpasswd = HtpasswdFile(config.htpasswd_file) if config.htpasswd_file else None
    authentication = RegistryAuthentication(
        identities=Identities(resources, htpasswd),
        access=RegistryAccess(policy, resources),
        tokens=RegistryTokens(SigningKeys(resources)),
    )
    return Guard(authentication, ServiceNames(config.registry_host))
