"""A real GCS endpoint for the tests: gcp-storage-emulator in its own process on a loopback
port, in memory. It takes no credentials and cannot check signed URLs; each test makes a
bucket of its own, so tests sharing one emulator (per test session and xdist worker) never
meet."""

import subprocess
import sys
import uuid
from pathlib import Path

import httpx

from moorage.storage.gcs_client import GcsLocation, make_client
from tests.support.processes import started, stopped
from tests.support.server import free_port

GCS_EMULATOR = Path(sys.executable).parent / "gcp-storage-emulator"  # the test extras install it


class GcsEmulator:
    def __init__(self, program: Path) -> None:
        self.program = program
        self.port = free_port()
        self.host = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> "GcsEmulator":
        command = [str(self.program), "start", "--in-memory"]
        self._process = started(
            [*command, "--host", "127.0.0.1", "--port", str(self.port)], self._answers
        )
        return self

    def _answers(self) -> bool:
        try:
            httpx.get(self.host, timeout=1)
        except httpx.TransportError:
            return False
        return True

    def location(self, bucket: str, chunk_size: int = 1 << 20) -> GcsLocation:
        return GcsLocation(bucket=bucket, emulator_host=self.host, chunk_size=chunk_size)

    def new_bucket(self) -> str:
        name = f"test-{uuid.uuid4().hex[:16]}"
        client = make_client(self.location(name))
        client.create_bucket(name)
        client.close()
        return name

    def stop(self) -> None:
        stopped(self._process)
