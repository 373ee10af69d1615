"""The real `moorage` command against one API server per test module.

The server has an htpasswd identity provider with the users in USERS (each
one's password is PASSWORDS[name]); `cli` is logged in as kubeadmin.
"""

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from moorage.cli.contexts import switch_namespace
from moorage.cli.kubeconfig import KubeConfig
from tests.support.server import MOORAGE, RunningServer
from tests.support.third_party import ThirdParty, third_party
from tests.support.users import serving_users

USERS = ("alice", "bob", "carol", "dave")
PASSWORDS = {name: f"{name}-secret" for name in USERS}


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


@dataclass
class Cli:
    """Runs `moorage` with its own kubeconfig (KUBECONFIG) and working directory."""

    kubeconfig: Path
    cwd: Path
    server: RunningServer | None = None

    def run(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None
    ) -> Result:
        environment = {
            **os.environ,
            "KUBECONFIG": str(self.kubeconfig),
            "TMPDIR": str(self.cwd),  # edit keeps failed edits in a temporary file
            **(env or {}),
        }
        done = subprocess.run(
            [*MOORAGE, *args],
            capture_output=True,
            text=True,
            input=input,
            env=environment,
            cwd=self.cwd,
            timeout=60,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    @property
    def token(self) -> str:
        """The token `moorage login` stored for the current context."""
        token = KubeConfig.load(str(self.kubeconfig)).token()
        assert token, "not logged in"
        return token

    @property
    def registry_auth(self) -> tuple[str, str]:
        """Credentials as podman login takes them: any user name, the token as password."""
        return ("unused", self.token)

    def __call__(self, *args: str, **kwargs: object) -> str:
        """Runs and expects success; returns stdout."""
        result = self.run(*args, **kwargs)  # type: ignore[arg-type]
        assert result.returncode == 0, f"moorage {' '.join(args)}: {result.stderr}"
        return result.stdout

    def fails(self, *args: str, **kwargs: object) -> str:
        """Runs and expects one `error: ...` line on stderr and a non-zero status."""
        result = self.run(*args, **kwargs)  # type: ignore[arg-type]
        assert result.returncode != 0, result.stdout
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        return lines[0]


def _serving(base: Path, api_tls: bool = False) -> Iterator[RunningServer]:
    with serving_users(base, PASSWORDS, projects=(), api_tls=api_tls) as running:
        yield running


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    yield from _serving(tmp_path_factory.mktemp("api"))


@pytest.fixture(scope="module")
def tls_api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The same, its API over HTTPS (`--api-tls`)."""
    yield from _serving(tmp_path_factory.mktemp("tls-api"), api_tls=True)


@pytest.fixture
def offline(tmp_path: Path) -> Cli:
    """A CLI with an empty kubeconfig, logged in nowhere."""
    return Cli(tmp_path / "kube" / "config", tmp_path)


@pytest.fixture(scope="module")
def logged_in(api_server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A kubeconfig that `moorage login` wrote for kubeadmin, once per module; tests get a copy."""
    base = tmp_path_factory.mktemp("login")
    password = api_server.kubeadmin_password
    Cli(base / "config", base)("login", api_server.api_url, "-u", "kubeadmin", "-p", password)
    return base / "config"


@pytest.fixture
def cli(api_server: RunningServer, offline: Cli, logged_in: Path) -> Cli:
    """A CLI logged in to the module's server."""
    offline.server = api_server
    offline.kubeconfig.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(logged_in, offline.kubeconfig)
    return offline


@pytest.fixture
def project(cli: Cli, api_server: RunningServer) -> str:
    """A new project of its own for the test, made the current one (as new-project would)."""
    name = f"p-{uuid.uuid4().hex[:10]}"
    request = {"apiVersion": "project.openshift.io/v1", "kind": "ProjectRequest"}
    response = httpx.post(
        f"{api_server.api_url}/apis/project.openshift.io/v1/projectrequests",
        json={**request, "metadata": {"name": name}},
        headers=api_server.admin_headers,
    )
    assert response.status_code == 201, response.text
    config = KubeConfig.load(str(cli.kubeconfig))
    switch_namespace(config, api_server.api_url, name)
    config.save()
    return name


@pytest.fixture
def login_as(api_server: RunningServer, tmp_path: Path) -> Callable[[str], Cli]:
    """A CLI of its own logged in as one of USERS (through `moorage login -u -p`)."""

    def logged_in_as(user: str) -> Cli:
        home = tmp_path / user
        home.mkdir()
        user_cli = Cli(home / "kube" / "config", home, api_server)
        user_cli("login", api_server.api_url, "-u", user, "-p", PASSWORDS[user])
        return user_cli

    return logged_in_as


@pytest.fixture
def upstream(tmp_path: Path) -> Iterator[ThirdParty]:
    """Debian's docker-registry on plain HTTP: another registry to import from."""
    with third_party(tmp_path / "upstream") as registry:
        yield registry


@pytest.fixture
def tls_cli(tls_api_server: RunningServer, offline: Cli) -> Cli:
    """A CLI logged in as kubeadmin to the HTTPS server, trusting its CA as `login` stored it."""
    offline.server = tls_api_server
    offline(
        "login",
        tls_api_server.api_url,
        "--certificate-authority",
        str(tls_api_server.ca_path),
        "-u",
        "kubeadmin",
        "-p",
        tls_api_server.kubeadmin_password,
    )
    return offline
