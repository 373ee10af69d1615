"""Debian's docker-registry (CNCF distribution) as the third-party registry imports read
from: plain HTTP, or TLS from a CA of its own; open, or with htpasswd Basic auth."""

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from moorage.server.certificates import Signing, ensure_certificate
from tests.support.images import Image, digest_of
from tests.support.oci import put_manifest, start_upload
from tests.support.requirements import require
from tests.support.server import free_port
from tests.support.users import write_htpasswd

UPSTREAM_CA = Signing("upstream-ca", "upstream", "third-party-ca", "third-party")


@dataclass
class ThirdParty:
    workdir: Path
    users: dict[str, str] = field(default_factory=dict)  # Basic auth when not empty
    tls_hosts: tuple[str, ...] = ()  # TLS, its certificate naming these, when not empty
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls_hosts else 'http'}://{self.address}"

    @property
    def ca_path(self) -> Path:
        return self.workdir / "tls" / f"{UPSTREAM_CA.ca}.crt"

    def client(self) -> httpx.Client:
        auth = next(iter(self.users.items()), None)
        verify = str(self.ca_path) if self.tls_hosts else True
        return httpx.Client(base_url=self.url, auth=auth, verify=verify, timeout=30)

    def push(self, repository: str, img: Image, tag: str) -> str:
        """Pushes `img` as `repository:tag`; returns its digest."""
        with self.client() as client:
            for blob in img.blobs:
                location = start_upload(client, repository)  # keeps its own ?_state=
                done = client.put(f"{location}&digest={digest_of(blob)}", content=blob)
                assert done.status_code == 201, done.text
            response = put_manifest(client, repository, tag, img.manifest, img.media_type)
        assert response.status_code == 201, response.text
        return img.digest

    def start(self) -> "ThirdParty":
        config = self.workdir / "config.yml"
        config.write_text(self._config())
        command = [str(require("docker-registry")), "serve", str(config)]
        with (self.workdir / "registry.log").open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while not self._answers():
            assert self.process.poll() is None, (self.workdir / "registry.log").read_text()
            assert time.monotonic() < deadline, "docker-registry did not start"
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            with self.client() as client:
                return client.get("/v2/").status_code in (200, 401)
        except httpx.HTTPError:
            return False

    def _config(self) -> str:
        text = (
            "version: 0.1\nlog:\n  level: error\n"
            f"storage:\n  filesystem:\n    rootdirectory: {self.workdir / 'data'}\n"
            "  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.address}\n"
        )
        if self.tls_hosts:
            tls, _ = ensure_certificate(self.workdir, UPSTREAM_CA, list(self.tls_hosts))
            text += f"  tls:\n    certificate: {tls.cert}\n    key: {tls.key}\n"
        if self.users:
            htpasswd = write_htpasswd(self.workdir / "htpasswd", self.users)
            text += f"auth:\n  htpasswd:\n    realm: third-party\n    path: {htpasswd}\n"
        return text


@contextmanager
def third_party(workdir: Path, **options: object) -> Iterator[ThirdParty]:
    """A started docker-registry (options as ThirdParty's), stopped at the end."""
    workdir.mkdir(parents=True, exist_ok=True)
    registry = ThirdParty(workdir, **options)  # type: ignore[arg-type]
    try:
        yield registry.start()
    finally:
        registry.stop()
