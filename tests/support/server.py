"""A real `moorage serve` in its own process group on a free loopback port."""

import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

# How `moorage serve` says, when it makes kubeadmin, where the password is.
_PASSWORD_ANNOUNCEMENT = re.compile(r"password is in (\S+) \(mode")
TEST_PROJECTS = ("test", "proj", "pod", "art", "p", "other", "fresh", "built", "crash")
MOORAGE = [sys.executable, "-m", "moorage.cli.main"]


def moorage(kubeconfig: Path, *args: str, input: str | None = None) -> str:
    """`moorage ARGS` with its own kubeconfig, expected to succeed; returns its stdout."""
    done = subprocess.run(
        [*MOORAGE, *args],
        capture_output=True,
        text=True,
        input=input,
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        timeout=60,
    )
    assert done.returncode == 0, f"moorage {' '.join(args)}: {done.stderr}"
    return done.stdout


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A loopback port nothing listens on now and that this process has not handed out
    before: two draws in a row may otherwise give the same port (one server's three
    listeners once got two alike, and every test sharing that server failed)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


@dataclass
class RunningServer:
    data_dir: Path
    log_path: Path
    args: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    ingress_port: int = field(default_factory=free_port)  # where routes are served
    # Pushes go only to projects that exist: the suites' repositories live in these.
    projects: tuple[str, ...] = TEST_PROJECTS
    process: subprocess.Popen[bytes] | None = None
    # A kubeadmin (cluster-admin) API access token, obtained at start.
    admin_token: str = ""
    # The API over HTTPS (--api-tls); clients trust the CA the server makes.
    api_tls: bool = False
    # Beyond loopback (0.0.0.0) the registry serves TLS from the service CA it makes.
    listen_host: str = "127.0.0.1"
    env: dict[str, str] = field(default_factory=dict)  # added to `moorage serve`'s environment

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{'https' if self.registry_tls else 'http'}://{self.address}"

    @property
    def registry_tls(self) -> bool:
        return self.listen_host != "127.0.0.1"

    @property
    def service_ca_path(self) -> Path:
        """The CA that signs the registry's certificate when it serves TLS."""
        return self.data_dir / "tls" / "service-ca.crt"

    @property
    def registry_verify(self) -> ssl.SSLContext | bool:
        """httpx's `verify` for the registry: the service CA when it serves TLS."""
        return (
            ssl.create_default_context(cafile=self.service_ca_path) if self.registry_tls else True
        )

    @property
    def api_url(self) -> str:
        return f"{'https' if self.api_tls else 'http'}://127.0.0.1:{self.api_port}"

    @property
    def ca_path(self) -> Path:
        """The CA `moorage serve --api-tls` makes, which signs the API's certificate."""
        return self.data_dir / "tls" / "ca.crt"

    @property
    def api_verify(self) -> ssl.SSLContext | bool:
        """httpx's `verify` for the API: its CA when it serves TLS."""
        return ssl.create_default_context(cafile=self.ca_path) if self.api_tls else True

    def start(self, timeout: float = 60.0, *, registry: bool = True) -> "RunningServer":
        """Start `moorage serve` and wait for its API and, unless told it starts without
        one (`registry=False`: Removed), its registry."""
        command = [
            *MOORAGE,
            "serve",
            "--listen",
            f"{self.listen_host}:{self.port}",
            "--api-listen",
            f"127.0.0.1:{self.api_port}",
            "--ingress-listen",
            f"127.0.0.1:{self.ingress_port}",
            "--data-dir",
            str(self.data_dir),
            *(["--api-tls"] if self.api_tls else []),
        ]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [*command, *self.args],
                stdout=log,
                stderr=log,
                start_new_session=True,
                env={**os.environ, **self.env},
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moorage serve exited:\n{self.log()}")
            try:
                api = httpx.get(f"{self.api_url}/version", timeout=1, verify=self.api_verify)
                if api.status_code == 200 and (not registry or self._registry_answers()):
                    self.admin_token = self.login("kubeadmin", self.kubeadmin_password)
                    self.create_projects(*self.projects)
                    return self
            except (httpx.TransportError, FileNotFoundError):  # the CA is not made yet
                pass
            time.sleep(0.05)
        self.kill()  # not left behind to hold its ports and files
        raise RuntimeError(f"moorage serve did not answer in {timeout}s:\n{self.log()}")

    def _registry_answers(self) -> bool:
        answer = httpx.get(f"{self.url}/v2/", timeout=1, verify=self.registry_verify)
        return answer.status_code < 500

    @property
    def kubeadmin_password(self) -> str:
        """kubeadmin's password, from the file the server wrote it to.

        That is `<data-dir>/kubeadmin-password`, except with memory storage (an emptyDir of
        its own, made anew at each start), where the latest start's announcement names it.
        """
        path = self.data_dir / "kubeadmin-password"
        if not path.exists():
            announced = _PASSWORD_ANNOUNCEMENT.findall(self.log())
            if announced:
                path = Path(announced[-1])
        return path.read_text()

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def login(self, username: str, password: str) -> str:
        """An API access token for these credentials, by OpenShift's challenging OAuth flow."""
        answer = httpx.get(
            f"{self.api_url}/oauth/authorize",
            params={"client_id": "openshift-challenging-client", "response_type": "token"},
            headers={"X-CSRF-Token": "1"},
            auth=(username, password),
            timeout=10,
            verify=self.api_verify,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"login as {username} failed: {answer.status_code} {answer.text}")
        fragment = parse_qs(urlsplit(answer.headers["Location"]).fragment)
        return fragment["access_token"][0]

    def api_client(self, token: str | None = None) -> httpx.Client:
        """An HTTP client of the API, as kubeadmin unless given another token."""
        headers = {"Authorization": f"Bearer {token or self.admin_token}"}
        return httpx.Client(
            base_url=self.api_url, headers=headers, timeout=30, verify=self.api_verify
        )

    @property
    def registry_auth(self) -> tuple[str, str]:
        """Basic credentials of the registry port: a user name and kubeadmin's API token."""
        return ("kubeadmin", self.admin_token)

    def registry_client(self, timeout: float = 30) -> httpx.Client:
        """An HTTP client of the registry port, as kubeadmin."""
        return httpx.Client(
            base_url=self.url, auth=self.registry_auth, timeout=timeout, verify=self.registry_verify
        )

    def create_projects(self, *names: str, token: str | None = None) -> None:
        """Request projects through the API, as kubeadmin or as whoever `token` is (who then
        administers them); those that exist already are left as they are."""
        for name in names:
            created = httpx.post(
                f"{self.api_url}/apis/project.openshift.io/v1/projectrequests",
                headers={"Authorization": f"Bearer {token or self.admin_token}"},
                json={
                    "apiVersion": "project.openshift.io/v1",
                    "kind": "ProjectRequest",
                    "metadata": {"name": name},
                },
                timeout=10,
                verify=self.api_verify,
            )
            if created.status_code not in (201, 409):
                raise RuntimeError(f"could not create project {name}: {created.text}")

    def stop(self, timeout: float = 30.0) -> int:
        """SIGTERM, as a service manager would; returns the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def kill(self) -> None:
        """SIGKILL to every process of the server at once: a power cut for the registry."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def running_registry(tmp: pytest.TempPathFactory, args: list[str]) -> Iterator[RunningServer]:
    root = tmp.mktemp("registry")
    running = RunningServer(root / "data", root / "server.log", args)
    running.start()
    yield running
    if running.process and running.process.poll() is None:
        running.stop()
    # Every refusal the tests provoke must be a deliberate answer, never a crash.
    assert "unhandled error" not in running.log(), running.log()[-5000:]
