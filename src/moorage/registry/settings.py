"""How each registry replica runs, as the operator derives it from the Config."""

import hashlib
from dataclasses import dataclass
from typing import Literal

from moorage.storage import CloudLocation

Storage = Literal["filesystem", "memory", "s3", "azure", "gcs"]


@dataclass(frozen=True)
class RequestLimits:
    """spec.requests.read or .write: at most `max_running` at once per replica, `max_in_queue`
    more waiting up to `max_wait` seconds each (None: as long as it takes)."""

    max_running: int
    max_in_queue: int = 0
    max_wait: float | None = None


@dataclass(frozen=True)
class RegistrySettings:
    storage: Storage = "filesystem"
    volume: str = "storage"  # the filesystem's directory, relative to the data directory
    cloud: CloudLocation | None = None  # the bucket or container, when storage is in a cloud
    read_only: bool = False  # pushes and deletes refused; pulls go on
    disable_redirect: bool = False  # blob GETs streamed by the registry, never redirected
    log_level: str = "Normal"
    http_secret: bytes = b""  # signs upload state: the same for every replica
    read_limits: RequestLimits | None = None  # None: no limit
    write_limits: RequestLimits | None = None

    @property
    def revision(self) -> str:
        """Changes whenever any setting does: replicas of another revision are replaced."""
        text = (
            f"{self.storage}|{self.volume}|{self.cloud}|{self.read_only}|{self.disable_redirect}|"
            f"{self.log_level}|"
            f"{self.http_secret.hex()}|{self.read_limits}|{self.write_limits}"
        )
        return hashlib.sha256(text.encode()).hexdigest()


def secret_bytes(http_secret: str) -> bytes:
    """The key an httpSecret stands for. The secret a data directory held before the Config
    existed moved there as hex, so hex reads back as the same bytes: uploads in progress
    survive the move."""
    try:
        return bytes.fromhex(http_secret)
    except ValueError:
        return http_secret.encode()
