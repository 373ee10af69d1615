"""A registry worker process: the OCI Distribution API on the shared registry port.

It imports only what serving the registry needs (no API schemas, no
migrations), so each worker stays small; the parent starts it with `spawn`.
"""

import asyncio
import logging
import socket
import uuid
from multiprocessing.synchronize import Event

from moorage import __version__
from moorage.auth.identities import Identities
from moorage.auth.passwords import HtpasswdFile
from moorage.auth.policy import StoredPolicy
from moorage.auth.registry_access import RegistryAccess
from moorage.auth.registry_authentication import RegistryAuthentication
from moorage.auth.registry_tokens import RegistryTokens
from moorage.auth.token_keys import SigningKeys
from moorage.distribution.app import build_app
from moorage.distribution.callers import Guard
from moorage.distribution.metrics import Scraping
from moorage.distribution.services import ServiceNames
from moorage.imagestreams.origins import Origins, Report
from moorage.imagestreams.projects import ProjectRepositories
from moorage.imagestreams.streams import ImageStreams
from moorage.observability import logs
from moorage.observability.build_info import build_info
from moorage.observability.health import Health
from moorage.observability.metrics import (
    DIGEST_CACHE,
    PULLTHROUGH_CACHE,
    PULLTHROUGH_DURATION,
    PULLTHROUGH_ERRORS,
    Metrics,
)
from moorage.observability.metrics_exchange import Exchange
from moorage.platform.ingress import IngressCertificates
from moorage.registry.abandoned_uploads import keep_sweeping
from moorage.registry.service import Registry
from moorage.server.config import ServerConfig
from moorage.server.listener import serve_until_stopped
from moorage.server.worker import WorkerPlan
from moorage.storage import BlobStore, open_blob_store
from moorage.storage.metered import MeteredBlobStore
from moorage.store.database import open_engine
from moorage.store.registry_metadata import RegistryMetadata
from moorage.store.resources import ResourceStore

log = logging.getLogger("moorage.registry")
NO_SUCH_BLOB = "sha256:" + "0" * 64  # asked for to see the storage answer
PULLTHROUGH_SPOOL = "pullthrough"  # in the data directory: blobs on their way from elsewhere


def run_registry_worker(
    plan: WorkerPlan,
    ready: Event | None = None,
    listeners: dict[str, socket.socket] | None = None,
    pod: str = "",
) -> None:
    """One replica, accepting on the registry's port and the ingress's, sockets shared with
    the others; `ready` is set once it does. It logs to stderr, and to its pod's log."""
    logs.configure(plan.registry.log_level, str(uuid.uuid4()))
    if pod:
        plan.pod_logs.keep(pod)
    logs.event(log, f"version={__version__}")
    # The standard loop, not uvloop: only its transports support sendfile(2) (ADR 0001).
    asyncio.run(_registry(plan, ready, listeners or {}))


async def _registry(
    plan: WorkerPlan, ready: Event | None, listeners: dict[str, socket.socket]
) -> None:
    config, settings = plan.config, plan.registry
    engine = open_engine(plan.database_url)
    metrics = Metrics()
    store: BlobStore = open_blob_store(
        settings.storage, plan.data_root / settings.volume, settings.cloud
    )
    if plan.metrics_dir is not None:
        store = MeteredBlobStore(store, metrics)
    metadata = RegistryMetadata(engine, hooks=ImageStreams(config.registry_host))
    resources = ResourceStore(engine)
    origins = Origins(resources, _reporter(metrics, asyncio.get_running_loop()))
    registry = Registry.build(
        store,
        metadata,
        settings.http_secret,
        ProjectRepositories(resources),
        (origins, plan.data_root / PULLTHROUGH_SPOOL),
    )
    policy = StoredPolicy(resources)
    scraping = await _scraping(plan, metrics, registry)
    app = build_app(
        registry,
        _guard(config, resources, policy),
        scraping,
        read_only=settings.read_only,
        read_limits=settings.read_limits,
        write_limits=settings.write_limits,
        redirect=not settings.disable_redirect,
        health=_health(metadata, store),
    )
    # Every replica sweeps now and then; sweeps racing each other skip what the other took.
    sweeping = asyncio.create_task(keep_sweeping(store))
    timeout = config.shutdown_timeout
    tls = plan.registry_tls.server_context() if plan.registry_tls else None
    ingress = listeners.get("ingress")
    routes = IngressCertificates(plan.data_root).server_context()
    await serve_until_stopped(
        app,
        config.host,
        config.port,
        timeout,
        "registry",
        tls,
        ready=ready,
        sock=listeners.get("registry"),
        more=[(ingress, routes, "ingress")] if ingress is not None else [],
    )
    sweeping.cancel()
    if registry.pullthrough is not None:
        await registry.pullthrough.close()
    if scraping is not None:
        await scraping.exchange.stop()
    metadata.close()
    resources.close()
    store.close()
    engine.dispose()


async def _scraping(plan: WorkerPlan, metrics: Metrics, registry: Registry) -> Scraping | None:
    """The worker's metrics, answered to its peers from now on; None when switched off."""
    if plan.metrics_dir is None:
        return None
    cache = registry.manifests.cache
    metrics.read(DIGEST_CACHE, lambda: {("Hit",): cache.hits, ("Miss",): cache.misses})
    blobs, pullthrough = registry.blobs, registry.pullthrough
    if pullthrough is not None:
        fetched = pullthrough
        metrics.read(
            PULLTHROUGH_CACHE, lambda: {("Hit",): blobs.served, ("Miss",): fetched.fetched}
        )
    exchange = Exchange(plan.metrics_dir, metrics)
    await exchange.start()
    return Scraping(plan.metrics_secret, exchange, build_info())


def _health(metadata: RegistryMetadata, store: BlobStore) -> Health:
    """Ready while the metadata store and the blob storage answer."""

    async def metadata_answers() -> None:
        await asyncio.to_thread(metadata.repository_exists, "")

    async def storage_answers() -> None:
        await store.exists(NO_SUCH_BLOB)

    return Health({"store": metadata_answers, "storage": storage_answers})


def _reporter(metrics: Metrics, loop: asyncio.AbstractEventLoop) -> Report:
    """Counts each call to another registry, from the thread that made it, on the loop (the
    metrics' only writer)."""

    def record(host: str, operation: str, seconds: float, reason: str | None) -> None:
        metrics.observe(PULLTHROUGH_DURATION, (host, operation), seconds)
        if reason is not None:
            metrics.inc(PULLTHROUGH_ERRORS, (host, operation, reason))

    def report(host: str, operation: str, seconds: float, reason: str | None) -> None:
        loop.call_soon_threadsafe(record, host, operation, seconds, reason)

    return report


def _guard(config: ServerConfig, resources: ResourceStore, policy: StoredPolicy) -> Guard:
    htpasswd = HtpasswdFile(config.htpasswd_file) if config.htpasswd_file else None
    authentication = RegistryAuthentication(
        identities=Identities(resources, htpasswd),
        access=RegistryAccess(policy, resources),
        tokens=RegistryTokens(SigningKeys(resources)),
    )
    return Guard(authentication, ServiceNames(config.registry_host))
