"""Driving real OCI clients (skopeo, podman, buildah) as subprocesses, each in its own sandbox."""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.images import image, write_oci_layout
from tests.support.requirements import require
from tests.support.server import RunningServer

CLIENT_TIMEOUT = 300.0
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    ]
)


class ClientFailed(AssertionError):
    """A client exited non-zero; the message carries its command line, stdout and stderr."""


def run(cmd: list[str | Path], env: Mapping[str, str] | None = None) -> str:
    """Run `cmd` to completion and return its stdout; raise ClientFailed if it fails."""
    argv = [str(part) for part in cmd]
    result = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=CLIENT_TIMEOUT,
        check=False,
    )
    if result.returncode != 0:
        raise ClientFailed(
            f"{' '.join(argv)} exited with {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    return result.stdout


@dataclass
class Sandbox:
    """A client's private state under one directory: credentials, image storage, scratch files.

    Nothing is read from or written to the machine's shared container storage or auth files.
    Credentials are in a containers-auth.json file (REGISTRY_AUTH_FILE: skopeo, podman,
    buildah) and a Docker config.json of the same shape (DOCKER_CONFIG: docker, oras), both
    empty until `log_in`.
    Storage uses the vfs driver: overlay bind-mounts its directory and leaves the mount behind
    when a client dies on an error, and then the test's directory cannot be removed. podman
    refuses a run root longer than 50 characters, so that one lives in /tmp; `close` removes it.
    """

    root: Path
    proxy: str | None = None  # HTTPS_PROXY, as tests/support/connect_proxy.py gives
    runroot: Path = field(init=False)

    def __post_init__(self) -> None:
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        self.docker_config.mkdir(exist_ok=True)
        self._write_auths({})
        self.runroot = Path(tempfile.mkdtemp(prefix="moorage-run-", dir="/tmp"))

    def log_in(self, address: str, username: str, secret: str) -> "Sandbox":
        """Give the clients credentials for the registry at `address` (HOST:PORT)."""
        auths = json.loads(self.auth_file.read_text())["auths"]
        encoded = base64.b64encode(f"{username}:{secret}".encode()).decode()
        self._write_auths({**auths, address: {"auth": encoded}})
        return self

    def _write_auths(self, auths: dict[str, Any]) -> None:
        document = json.dumps({"auths": auths})
        self.auth_file.write_text(document)
        (self.docker_config / "config.json").write_text(document)

    def close(self) -> None:
        shutil.rmtree(self.runroot, ignore_errors=True)

    @property
    def auth_file(self) -> Path:
        return self.root / "auth.json"

    @property
    def docker_config(self) -> Path:
        return self.root / "docker"

    @property
    def env(self) -> dict[str, str]:
        return {
            "REGISTRY_AUTH_FILE": str(self.auth_file),
            "DOCKER_CONFIG": str(self.docker_config),
            "TMPDIR": str(self.root / "tmp"),
            **({"HTTPS_PROXY": self.proxy} if self.proxy else {}),
        }

    def _storage(self) -> list[str | Path]:
        return ["--root", self.root / "root", "--runroot", self.runroot, "--storage-driver", "vfs"]

    def skopeo(self, *args: str | Path) -> str:
        return run(["skopeo", *args], self.env)

    def podman(self, *args: str | Path) -> str:
        return run(["podman", *self._storage(), *args], self.env)

    def buildah(self, *args: str | Path) -> str:
        return run(["buildah", *self._storage(), *args], self.env)


@contextmanager
def sandboxes_for(server: RunningServer, root: Path) -> Iterator[Callable[[str], Sandbox]]:
    """Makes client sandboxes under `root` by name, each with kubeadmin's credentials for
    `server`, and cleans them up on leaving."""
    made: list[Sandbox] = []

    def make(name: str) -> Sandbox:
        made.append(Sandbox(root / name).log_in(server.address, *server.registry_auth))
        return made[-1]

    try:
        yield make
    finally:
        for sandbox in made:
            sandbox.close()


def sha256_file(path: Path) -> str:
    return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class Layout:
    """An OCI image layout on disk, as a client wrote it."""

    root: Path

    def blob(self, digest: str) -> bytes:
        algorithm, _, hex_ = digest.partition(":")
        return (self.root / "blobs" / algorithm / hex_).read_bytes()

    def json_blob(self, digest: str) -> Any:
        return json.loads(self.blob(digest))

    def manifest_digest(self, tag: str) -> str:
        index = json.loads((self.root / "index.json").read_text())
        for entry in index["manifests"]:
            if entry.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
                return entry["digest"]
        raise KeyError(f"no manifest tagged {tag} in {self.root}")

    def blob_digests(self) -> set[str]:
        """Every blob file's digest, after checking each file's content matches its name."""
        found = set()
        for path in (self.root / "blobs" / "sha256").iterdir():
            digest = f"sha256:{path.name}"
            assert sha256_file(path) == digest, f"{path} does not hold what its name says"
            found.add(digest)
        return found


def get_manifest(http: httpx.Client, repository: str, reference: str) -> httpx.Response:
    """The registry's answer to a manifest GET that accepts every kind of manifest."""
    return http.get(f"/v2/{repository}/manifests/{reference}", headers={"Accept": MANIFEST_TYPES})


def referenced_blobs(manifest: Any) -> list[str]:
    """Digests of the config and layers an image manifest names."""
    return [manifest["config"]["digest"], *(layer["digest"] for layer in manifest["layers"])]


_REQUEST_LINE = re.compile(
    r"http\.request\.method=(\S+) http\.request\.uri=(\S+) .*?http\.response\.status=(\d+)"
)


def logged_requests(log: str) -> list[tuple[str, str, int]]:
    """(method, path, status) of every request line in a server log, in order."""
    return [(m[1], m[2], int(m[3])) for m in _REQUEST_LINE.finditer(log)]


def logged_statuses(server: RunningServer, method: str, path: str, count: int = 1) -> list[int]:
    """The statuses `server` logged for `method path`, waiting until it has answered `count`."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        statuses = [s for m, p, s in logged_requests(server.log()) if (m, p) == (method, path)]
        if len(statuses) >= count:
            return statuses
        time.sleep(0.05)
    raise AssertionError(f"{method} {path} was not answered {count} times")


def skopeo_push_new_image(server: RunningServer, workdir: Path, reference: str) -> str:
    """Push a fresh two-layer image with skopeo, as kubeadmin, to `reference` (REPO:TAG) of
    `server`; returns its manifest digest."""
    require("skopeo")
    img = image()
    layout = write_oci_layout(workdir / "layout", {"v1": img.manifest}, [img])
    sandbox = Sandbox(workdir / "skopeo").log_in(server.address, *server.registry_auth)
    try:
        destination = f"docker://{server.address}/{reference}"
        sandbox.skopeo("copy", "--dest-tls-verify=false", f"oci:{layout}:v1", destination)
    finally:
        sandbox.close()
    return img.digest
