"""A real Azure Blob endpoint for the tests: Azurite in its own process on a loopback port.

It serves the emulator's one account (devstoreaccount1, its well-known key) with the
service URL `http://127.0.0.1:PORT/devstoreaccount1`; each test makes a container of its
own, so tests sharing one Azurite (per test session and xdist worker) never meet.
"""

import subprocess
import uuid
from pathlib import Path

import httpx

from moorage.storage.azure_client import AzureLocation, make_client
from tests.support.processes import started, stopped
from tests.support.server import free_port

ACCOUNT = "devstoreaccount1"
# The emulator's published key, the same in every Azurite: not a secret.
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)


class Azurite:
    def __init__(self, program: Path, directory: Path) -> None:
        self.program = program
        self.directory = directory
        self.port = free_port()
        self.service_url = f"http://127.0.0.1:{self.port}/{ACCOUNT}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Azurite":
        self._process = started(
            [
                str(self.program),
                *("--blobHost", "127.0.0.1", "--blobPort", str(self.port)),
                *("--location", str(self.directory)),
                "--skipApiVersionCheck",
                "--loose",
                "--disableTelemetry",  # without it, it tries to reach the internet
                # The account is the path's first part, whatever host name reached it (a
                # name under .invalid, through a proxy).
                "--disableProductStyleUrl",
            ],
            self._answers,
        )
        return self

    def _answers(self) -> bool:
        try:
            httpx.get(self.service_url, timeout=1)
        except httpx.TransportError:
            return False
        return True

    def location(self, container: str, block_size: int = 1 << 20) -> AzureLocation:
        return AzureLocation(
            account_name=ACCOUNT,
            container=container,
            account_key=ACCOUNT_KEY,
            service_url=self.service_url,
            block_size=block_size,
        )

    def credentials(self, key: str = ACCOUNT_KEY) -> dict[str, str]:
        """The credentials Secret's keys that reach this Azurite with `key`."""
        return {
            "REGISTRY_STORAGE_AZURE_ACCOUNTKEY": key,
            "REGISTRY_STORAGE_AZURE_SERVICEURL": self.service_url,
        }

    def new_container(self) -> str:
        name = f"test-{uuid.uuid4().hex[:16]}"
        client = make_client(self.location(name))
        client.create_container()
        client.close()
        return name

    def stop(self) -> None:
        stopped(self._process)
