"""`moorage serve`: prepare the data directory and schema, then run and supervise workers."""

import dataclasses
import logging
import shutil
import socket
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.exc import OperationalError

from moorage import __version__
from moorage.auth import bootstrap, kubeadmin
from moorage.observability import logs
from moorage.observability.space import measure
from moorage.operator import first_start
from moorage.resources.catalogue import catalogue
from moorage.resources.objects import Object
from moorage.server import exposure
from moorage.server.certificates import TLS_DIR, ensure_api_certificate
from moorage.server.config import ConfigError, ServerConfig
from moorage.server.first_config import (
    first_claim,
    first_config,
    forget_secret_file,
    note_flags_the_config_overrides,
)
from moorage.server.metrics import announced_secret, exchange_directory
from moorage.server.supervisor import supervise
from moorage.server.tls import ServingTls
from moorage.server.worker import WorkerPlan
from moorage.storage.full import out_of_space
from moorage.store.database import database_url, masked, migrate, open_engine, sqlite_url
from moorage.store.errors import Unavailable
from moorage.store.resources import Ref, ResourceStore

log = logging.getLogger("moorage.server")


def serve(config: ServerConfig) -> int:
    _check_port_free(config.host, config.port)
    _check_port_free(config.api_host, config.api_port)
    if config.ingress_port is not None:
        _check_port_free(config.ingress_host, config.ingress_port)
    logs.configure(config.log_level, str(uuid.uuid4()))
    logs.event(log, f"version={__version__}")
    with _data_root(config) as root, exchange_directory() as metrics:
        plan, first_spec = _prepare(config, root, metrics)
        return supervise(plan, first_spec)


@contextmanager
def _data_root(config: ServerConfig) -> Iterator[Path]:
    if config.storage != "memory":
        config.data_dir.mkdir(parents=True, exist_ok=True)
        yield config.data_dir
        return
    lost = (
        "every image and all metadata are"
        if config.database_url is None
        else ("every blob is (metadata stays in the database)")
    )
    logs.event(
        log,
        f"storage is memory (emptyDir): {lost} lost when the registry stops; "
        "use --storage filesystem to keep them",
    )
    root = Path(tempfile.mkdtemp(prefix="moorage-emptydir-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _prepare(config: ServerConfig, root: Path, metrics: Path | None) -> tuple[WorkerPlan, Object]:
    if config.storage == "memory" and config.workers > 1:
        logs.event(log, "memory storage lives in one process: running a single worker")
        config = dataclasses.replace(config, workers=1)
    space = measure(root)
    if space.low:
        log.warning(space.warning())
    with _space_needed(f"cannot make the TLS certificates in {root / TLS_DIR}", root):
        tls = _api_tls(config, root)
        exposed = exposure.prepare(config, root)
    for what in exposed.made:
        logs.event(log, f"created {what} in {root / TLS_DIR}")
    url = _metadata_url(config, root)
    first_spec = first_config(config, root)
    _prepare_database(url, root, config, tls, first_spec, exposed.secrets)
    forget_secret_file(root)
    scraping = announced_secret(config, root) if metrics else ""
    plan = WorkerPlan(
        config,
        url,
        root / "storage",
        tls,
        metrics_dir=metrics,
        metrics_secret=scraping,
        registry_tls=exposed.registry_tls,
        exposure=exposed.exposure,
    )
    return plan, first_spec


@contextmanager
def _space_needed(what: str, root: Path) -> Iterator[None]:
    """A full volume at start is one line saying so, not a traceback."""
    try:
        yield
    except OSError as exc:
        if not out_of_space(exc):
            raise
        raise ConfigError(f"{what}: no space left on {root}") from None


def _api_tls(config: ServerConfig, root: Path) -> ServingTls | None:
    """The API's certificate: the user's own, or the private CA's, made when needed."""
    if not config.api_tls:
        return None
    if config.api_tls_cert is not None and config.api_tls_key is not None:
        tls = ServingTls(config.api_tls_cert, config.api_tls_key)
    else:
        tls, made = ensure_api_certificate(root, config.api_host)
        for what in made:
            logs.event(log, f"created the API's {what} in {tls.cert.parent}")
        if "CA" in made:
            logs.event(log, f"clients trust the API with --certificate-authority {tls.ca}")
    try:
        tls.server_context()
    except OSError as exc:  # ssl.SSLError included: a key that is not the certificate's
        raise ConfigError(f"cannot serve TLS with {tls.cert} and {tls.key}: {exc}") from None
    return tls


def _metadata_url(config: ServerConfig, root: Path) -> str:
    if config.database_url is None:
        return sqlite_url(root / "metadata.db")
    return database_url(config.database_url).render_as_string(hide_password=False)


def _prepare_database(
    url: str,
    root: Path,
    config: ServerConfig,
    tls: ServingTls | None,
    first_spec: Object,
    secrets: list[tuple[Ref, Object]],
) -> None:
    """Bring the schema up to date; make sure the bootstrap roles, the administrator, the
    system namespaces, the registry's Config and the ingress's secrets exist."""
    engine = open_engine(url)
    try:
        with _space_needed(f"cannot prepare the database {masked(url)}", root):
            migrate(engine)
            logs.event(log, "metadata schema is up to date", database=masked(url))
            store = ResourceStore(engine)
            created = bootstrap.seed(store, catalogue())
            if created:
                logs.event(log, f"created {created} bootstrap cluster roles and bindings")
            for made in first_start.seed(store, first_spec, first_claim(config, root)):
                logs.event(log, f"created {made}")
            _keep_secrets(store, secrets)
            note_flags_the_config_overrides(store, config)
            password = kubeadmin.bootstrap(store, root)
            if password is not None:
                _announce_kubeadmin(password, root / kubeadmin.PASSWORD_FILE, config, tls)
    except (OperationalError, Unavailable) as exc:
        cause = exc.__cause__ if isinstance(exc, Unavailable) else exc.orig
        reason = str(cause or exc).strip().splitlines()[0]
        raise ConfigError(f"cannot use the database {masked(url)}: {reason}") from None
    finally:
        engine.dispose()


def _keep_secrets(store: ResourceStore, secrets: list[tuple[Ref, Object]]) -> None:
    """Secrets that show what the server made on disk: written again when they differ."""
    with store.transaction() as tx:
        for ref, secret in secrets:
            current = tx.get(ref)
            if current is None:
                tx.create(ref, secret)
            elif current.get("data") != secret["data"]:
                tx.update(ref, {**current, "data": secret["data"]})


def _announce_kubeadmin(
    password: str, path: Path, config: ServerConfig, tls: ServingTls | None
) -> None:
    """Say once how to log in; the password itself only to a terminal, never to a log."""
    trust = f" --certificate-authority {tls.ca}" if tls and tls.ca else ""
    login = f"moorage login {config.api_url}{trust} -u kubeadmin -p"
    logs.event(
        log,
        f"created the administrator kubeadmin; its password is in {path} (mode 0600); "
        f'log in with: {login} "$(cat {path})"',
    )
    if sys.stdout.isatty():
        print(f"kubeadmin password (shown once): {password}\n{login} {password}", flush=True)


def _check_port_free(host: str, port: int) -> None:
    """Fail with one clear line when another program holds the port.

    Workers bind with SO_REUSEPORT, which would silently share the port with
    another SO_REUSEPORT listener; this probe binds without it.
    """
    probe = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # ignore TIME_WAIT leftovers
    try:
        probe.bind((host, port))
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    finally:
        probe.close()
