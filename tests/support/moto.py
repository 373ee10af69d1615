"""A real S3 endpoint for the tests: moto's server in its own process on a loopback port.

It takes any credentials and keeps everything in memory; each test makes a bucket of its
own, so tests sharing one server (per test session and xdist worker) never meet.
"""

import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import httpx

from moorage.server.tls import ServingTls
from moorage.storage.s3_client import S3Location
from tests.support.processes import started, stopped
from tests.support.server import free_port

MOTO_SERVER = Path(sys.executable).parent / "moto_server"  # the test extras install it
ACCESS_KEY = "moorage-test"
SECRET_KEY = "moorage-test-secret"


class MotoServer:
    """`tls`, when given, is the certificate it serves HTTPS with (and the CA that signed it)."""

    def __init__(self, program: Path, tls: ServingTls | None = None) -> None:
        self.program = program
        self.port = free_port()
        self.tls = tls
        self.endpoint = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def _verify(self) -> str | bool:
        return str(self.tls.ca) if self.tls and self.tls.ca else True

    def start(self) -> "MotoServer":
        serving = ["-c", str(self.tls.cert), "-k", str(self.tls.key)] if self.tls else []
        self._process = started(
            [str(self.program), "-H", "127.0.0.1", "-p", str(self.port), *serving],
            self._answers,
            # Buckets are in the path (path-style) whatever the endpoint's host is called.
            env={"S3_IGNORE_SUBDOMAIN_BUCKETNAME": "true"},
        )
        return self

    def _answers(self) -> bool:
        try:
            answer = httpx.get(self.endpoint + "/moto-api/", timeout=1, verify=self._verify)
            return answer.status_code < 500
        except httpx.TransportError:
            return False

    def client(self) -> object:
        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            verify=self._verify,
        )

    def new_bucket(self) -> str:
        name = f"test-{uuid.uuid4().hex[:16]}"
        client = self.client()
        client.create_bucket(Bucket=name)  # type: ignore[attr-defined]
        client.close()  # type: ignore[attr-defined]
        return name

    def location(self, bucket: str, chunk_size: int = 5 << 20) -> S3Location:
        return S3Location(
            bucket=bucket,
            endpoint=self.endpoint,
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            chunk_size=chunk_size,
        )

    def stop(self) -> None:
        stopped(self._process)
