"""How each registry replica runs, as the operator derives it from the Config."""

import hashlib
from dataclasses import dataclass
from typing import Literal

Storage = Literal["filesystem", "memory"]


@dataclass(frozen=True)
class RegistrySettings:
    storage: Storage = "filesystem"
    volume: str = "storage"  # the filesystem's directory, relative to the data directory
    read_only: bool = False  # pushes and deletes refused; pulls go on
    log_level: str = "Normal"
    http_secret: bytes = b""  # signs upload state: the same for every replica

    @property
    def revision(self) -> str:
        """Changes whenever any setting does: replicas of another revision are replaced."""
        text = (
            f"{self.storage}|{self.volume}|{self.read_only}|{self.log_level}|"
            f"{self.http_secret.hex()}"
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
