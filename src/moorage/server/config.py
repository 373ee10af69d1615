"""The server's configuration, validated once at start and passed explicitly."""

import os
from dataclasses import dataclass
from pathlib import Path

from moorage.observability.logs import LEVELS
from moorage.platform.ingress import is_host
from moorage.store.deleted_tags import DEFAULT_WINDOW

STORAGE_DRIVERS = ("filesystem", "memory")
FIRST_MANAGEMENT_STATES = ("Managed", "Removed")


class ConfigError(ValueError):
    """A configuration value that cannot work; the message says which and why."""


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 5000
    api_host: str = "127.0.0.1"
    api_port: int = 6443
    data_dir: Path = Path(".moorage")
    storage: str = "filesystem"
    workers: int = os.cpu_count() or 1
    log_level: str = "Normal"
    management_state: str = "Managed"  # the first Config's; later the Config decides
    shutdown_timeout: float = 30.0
    # None: SQLite in <data_dir>/metadata.db; else a sqlite:// or postgresql:// URL.
    database_url: str | None = None
    htpasswd_file: Path | None = None
    # The API over HTTPS; with the user's own certificate and key, else a private CA's.
    api_tls: bool = False
    api_tls_cert: Path | None = None
    api_tls_key: Path | None = None
    # Routes: hosts under the apps domain, served with TLS on the ingress port (None: off).
    apps_domain: str = "apps.localhost"
    ingress_host: str = "127.0.0.1"
    ingress_port: int | None = 8443
    # Online garbage collection (registry/collector.py): seconds between passes (0: none),
    # how long a blob or link nothing references is kept after it was last used, and the
    # most of its time a pass spends working (it rests the remainder).
    gc_interval: float = 3600.0
    gc_grace: float = 3600.0
    gc_duty_cycle: float = 0.25
    # How long a deleted tag stays restorable, what it served kept from the pruner (ADR 0012).
    tag_restore_window: float = DEFAULT_WINDOW
    # How often tags with importPolicy.scheduled are imported again (OpenShift: 900 s).
    scheduled_import_interval: float = 900.0

    @property
    def registry_host(self) -> str:
        """How image references name this registry (host:port)."""
        return f"{self.host}:{self.port}"

    def __post_init__(self) -> None:
        if self.database_url is not None:
            _check_database_url(self.database_url)
        if self.storage not in STORAGE_DRIVERS:
            raise ConfigError(f"--storage must be one of {', '.join(STORAGE_DRIVERS)}")
        if self.log_level not in LEVELS:
            raise ConfigError(f"--log-level must be one of {', '.join(LEVELS)}")
        if self.management_state not in FIRST_MANAGEMENT_STATES:
            raise ConfigError(
                f"--management-state must be one of {', '.join(FIRST_MANAGEMENT_STATES)}"
            )
        if self.gc_interval < 0 or self.gc_grace <= 0:
            raise ConfigError("--gc-interval must be 0 or more and --gc-grace more than 0")
        if not 0 < self.gc_duty_cycle <= 1:
            raise ConfigError("--gc-duty-cycle must be more than 0 and at most 1")
        if self.tag_restore_window < 0:
            raise ConfigError("--tag-restore-window must be 0 or more seconds")
        if self.workers < 1:
            raise ConfigError("--workers must be at least 1")
        if self.scheduled_import_interval <= 0:
            raise ConfigError("--scheduled-import-interval must be a positive number of seconds")
        for port in (self.port, self.api_port, self.ingress_port or 1):
            if not 0 < port < 65536:
                raise ConfigError("listen ports must be between 1 and 65535")
        if not is_host(self.apps_domain):
            raise ConfigError(f"--apps-domain {self.apps_domain!r} is not a DNS name")
        if self.htpasswd_file is not None and not self.htpasswd_file.is_file():
            raise ConfigError(f"--htpasswd-file {self.htpasswd_file}: no such file")
        listens = [(self.host, self.port), (self.api_host, self.api_port)]
        listens += [(self.ingress_host, self.ingress_port)] if self.ingress_port else []
        if len(set(listens)) < len(listens):
            raise ConfigError("--listen, --api-listen and --ingress-listen must differ")
        self._check_api_tls()

    @property
    def api_url(self) -> str:
        """Where clients reach the API: https when it serves TLS."""
        host = f"[{self.api_host}]" if ":" in self.api_host else self.api_host
        return f"{'https' if self.api_tls else 'http'}://{host}:{self.api_port}"

    def _check_api_tls(self) -> None:
        own = (self.api_tls_cert, self.api_tls_key)
        if own == (None, None):
            return
        if None in own:
            raise ConfigError("--api-tls-cert and --api-tls-key go together")
        if not self.api_tls:
            raise ConfigError("--api-tls-cert and --api-tls-key need --api-tls")
        for option, path in zip(("--api-tls-cert", "--api-tls-key"), own, strict=True):
            if path is not None and not path.is_file():
                raise ConfigError(f"{option} {path}: no such file")


def _check_database_url(url: str) -> None:
    from moorage.store.database import DatabaseUrlError, database_url

    try:
        database_url(url)
    except DatabaseUrlError as exc:
        raise ConfigError(f"--database-url: {exc}") from None


def parse_listen(value: str, option: str = "--listen") -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise ConfigError(f"{option} expects HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)
