"""What every process `moorage serve` starts needs, prepared once by the parent."""

from dataclasses import dataclass, field
from pathlib import Path

from moorage.platform.ingress import Exposure
from moorage.platform.pod_logs import PodLogs
from moorage.registry.settings import RegistrySettings
from moorage.server.config import ServerConfig
from moorage.server.tls import ServingTls


@dataclass(frozen=True)
class WorkerPlan:
    config: ServerConfig
    database_url: str
    storage_root: Path
    api_tls: ServingTls | None = None  # None: the API speaks plain HTTP
    # A registry replica's, from the Config.
    registry: RegistrySettings = field(default_factory=RegistrySettings)
    # The registry workers' metrics (observability/metrics_exchange.py); None: not measured.
    metrics_dir: Path | None = None
    metrics_secret: str = ""
    registry_tls: ServingTls | None = None  # None: plain HTTP (on loopback)
    exposure: Exposure | None = None  # the routes' domain and certificates

    @property
    def data_root(self) -> Path:
        """The data directory: the blobs (storage_root) and a SQLite database live under it."""
        return self.storage_root.parent

    @property
    def pod_logs(self) -> PodLogs:
        return PodLogs(self.data_root / "logs")
