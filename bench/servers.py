"""The registries under test (and a trivial sink), each a process group on a loopback port."""

import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bcrypt
import credentials
from procstat import TreeMonitor

PROJECT = "bench"  # every workload pushes to bench/<name>

BENCH = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int, path: str = "/v2/") -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", path)
        status = conn.getresponse().status
        conn.close()
        return status < 500
    except OSError:
        return False


@dataclass
class Server:
    """A server started in its own session; subclasses say how."""

    name: str
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    monitor: TreeMonitor | None = None
    benign: tuple[str, ...] = ()  # error-level log lines that are not problems

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}.log"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self, timeout: float = 30.0) -> "Server":
        self.workdir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while not answers(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start; see {self.log_path}")
            time.sleep(0.05)
        self.prepare()
        self.monitor = TreeMonitor(self.process.pid)
        self.monitor.start()
        return self

    def prepare(self) -> None:
        """What a fresh server needs before the workloads run."""

    def stop(self) -> int:
        """SIGTERM to the group, SIGKILL after 30 s; returns the exit code."""
        assert self.process is not None
        if self.monitor:
            self.monitor.stop()
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            return self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            return self.process.wait(10)

    def log_errors(self) -> list[str]:
        """Log lines at level error (or worse), and tracebacks."""
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        marks = ("level=error", "level=fatal", "level=panic", "Traceback")
        lines = text.splitlines()
        found = [line for line in lines if any(m in line for m in marks)]
        return [line for line in found if not any(b in line for b in self.benign)]


@dataclass
class Distribution(Server):
    """Debian's docker-registry (CNCF distribution 2.8): filesystem storage, delete enabled."""

    benign: tuple[str, ...] = ('err.code="blob unknown"', 'err.code="manifest unknown"')

    def command(self) -> list[str]:
        config = self.workdir / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log:\n  level: error\n"
            "storage:\n"
            f"  filesystem:\n    rootdirectory: {self.workdir / 'data'}\n"
            "  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.host}\n"
        )
        return ["docker-registry", "serve", str(config)]


@dataclass
class DistributionHtpasswd(Distribution):
    """The same distribution with its htpasswd access controller: Basic on every request."""

    user: str = "bench"
    password: str = "bench-password"

    def command(self) -> list[str]:
        command = super().command()
        htpasswd = self.workdir / "htpasswd"
        # cost 5, as `htpasswd -B` makes it: distribution checks bcrypt on every request
        hashed = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt(5)).decode()
        htpasswd.write_text(f"{self.user}:{hashed}\n")
        config = self.workdir / "config.yml"
        auth = f"auth:\n  htpasswd:\n    realm: bench\n    path: {htpasswd}\n"
        config.write_text(config.read_text() + auth)
        return command

    def prepare(self) -> None:
        credentials.REGISTERED[self.host] = credentials.BasicCredentials(self.user, self.password)


@dataclass
class Moorage(Server):
    """`moorage serve`: filesystem storage, 2 workers, one log line per request."""

    workers: int = 2
    api_port: int = field(default_factory=free_port)
    api_token: str = ""

    def command(self) -> list[str]:
        return [
            str(VENV_BIN / "moorage"),
            "serve",
            "--listen",
            self.host,
            "--api-listen",
            f"127.0.0.1:{self.api_port}",
            "--ingress-listen",
            "off",
            "--data-dir",
            str(self.workdir / "data"),
            "--storage",
            "filesystem",
            "--workers",
            str(self.workers),
            "--log-level",
            "Normal",
        ]

    def prepare(self) -> None:
        """Log in as kubeadmin, create the project every workload pushes to, and register
        the credentials every request then carries."""
        self.wait_for_api()
        self.api_token = self.login(
            "kubeadmin", (self.workdir / "data" / "kubeadmin-password").read_text()
        )
        body = json.dumps(
            {
                "apiVersion": "project.openshift.io/v1",
                "kind": "ProjectRequest",
                "metadata": {"name": PROJECT},
            }
        )
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.api_token}"}
        status = self.api("POST", "/apis/project.openshift.io/v1/projectrequests", body, headers)
        if status not in (201, 409):
            raise RuntimeError(f"could not create project {PROJECT}: status {status}")
        credentials.REGISTERED[self.host] = credentials.RegistryTokens(self.host, self.api_token)

    def wait_for_api(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not answers(self.api_port, "/version"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API of {self.name} did not start; see {self.log_path}")
            time.sleep(0.05)

    def login(self, user: str, password: str) -> str:
        """An API token by OpenShift's challenging OAuth flow, as `moorage login` gets it."""
        basic = base64.b64encode(f"{user}:{password}".encode()).decode()
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=30)
        conn.request(
            "GET",
            "/oauth/authorize?client_id=openshift-challenging-client&response_type=token",
            headers={"Authorization": f"Basic {basic}", "X-CSRF-Token": "1"},
        )
        resp = conn.getresponse()
        resp.read()
        conn.close()
        fragment = urllib.parse.urlsplit(resp.getheader("Location", "")).fragment
        tokens = urllib.parse.parse_qs(fragment).get("access_token")
        if resp.status != 302 or not tokens:
            raise RuntimeError(f"login to moorage as {user}: status {resp.status}")
        return tokens[0]

    def api(self, method: str, path: str, body: str, headers: dict[str, str]) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        status = conn.getresponse().status
        conn.close()
        return status

    def get_json(self, path: str) -> dict[str, Any]:
        """An API resource as kubeadmin reads it."""
        conn = http.client.HTTPConnection("127.0.0.1", self.api_port, timeout=30)
        conn.request("GET", path, headers={"Authorization": f"Bearer {self.api_token}"})
        answer = conn.getresponse()
        body = answer.read()
        conn.close()
        if answer.status != 200:
            raise RuntimeError(f"GET {path} from {self.name}: status {answer.status}")
        loaded: dict[str, Any] = json.loads(body)
        return loaded


@dataclass
class Sink(Server):
    """bench/sink.py: swallows uploads and serves the source file, to measure the client."""

    source: Path = Path()

    def command(self) -> list[str]:
        return [sys.executable, str(BENCH / "sink.py"), str(self.port), str(self.source)]


def make_workdir(root: Path | None) -> Path:
    return Path(tempfile.mkdtemp(prefix="moorage-bench-", dir=root))


def remove_workdir(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


@dataclass
class MoorageAt(Moorage):
    """moorage as it was at an earlier git revision (a worktree's src/), for same-run
    comparisons. Revisions before access control need no credentials."""

    revision: str = "HEAD"
    source: Path = Path()

    def command(self) -> list[str]:
        own = super().command()
        python = str(VENV_BIN / "python")
        return ["env", f"PYTHONPATH={self.source}", python, "-m", "moorage.cli.main", *own[1:]]

    def prepare(self) -> None:
        self.wait_for_api()
        body = json.dumps({"metadata": {"name": PROJECT}, "kind": "ProjectRequest"})
        status = self.api(
            "POST",
            "/apis/project.openshift.io/v1/projectrequests",
            body,
            {"Content-Type": "application/json"},
        )
        if status not in (201, 409):
            raise RuntimeError(f"could not create project {PROJECT} on {self.revision}: {status}")
