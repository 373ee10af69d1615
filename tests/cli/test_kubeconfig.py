"""The kubeconfig login writes, which kubectl shares; KUBECONFIG, --kubeconfig, --server, -n."""

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from moorage.cli.kubeconfig import KubeConfig
from tests.cli.conftest import Cli
from tests.support.requirements import require
from tests.support.server import RunningServer


def test_login_without_scheme_and_keeps_other_entries(
    offline: Cli, api_server: RunningServer
) -> None:
    offline.kubeconfig.parent.mkdir(parents=True)
    other = {"name": "other", "cluster": {"server": "https://elsewhere:6443"}}
    offline.kubeconfig.write_text(yaml.safe_dump({"clusters": [other], "current-context": "x"}))
    password = api_server.kubeadmin_password
    offline("login", f"127.0.0.1:{api_server.api_port}", "-u", "kubeadmin", "-p", password)
    config = KubeConfig.load(str(offline.kubeconfig))
    assert config.server() == api_server.api_url
    assert config.clusters["other"]["server"] == "https://elsewhere:6443"


def _kubectl(cli: Cli, *args: str) -> subprocess.CompletedProcess[str]:
    kubectl = require("kubectl")
    env = {"KUBECONFIG": str(cli.kubeconfig), "PATH": "/usr/bin:/bin", "HOME": str(cli.cwd)}
    return subprocess.run(
        [kubectl, *args], capture_output=True, text=True, env=env, timeout=60, cwd=cli.cwd
    )


def test_kubectl_reads_the_same_kubeconfig(cli: Cli, project: str) -> None:
    done = _kubectl(cli, "config", "view", "--minify", "--raw", "-o", "json")
    assert done.returncode == 0, done.stderr
    view = json.loads(done.stdout)
    assert view["current-context"].startswith(f"{project}/127-0-0-1:")
    assert view["contexts"][0]["context"]["namespace"] == project
    assert view["users"][0]["user"]["token"] == cli.token


def test_kubectl_authenticates_with_the_stored_token(tls_cli: Cli) -> None:
    """client-go sends credentials only over https: the token and CA login stored serve it."""
    tls_cli("new-project", f"p-{uuid.uuid4().hex[:10]}")
    tls_cli("create", "configmap", "shared", "--from-literal=a=1")
    done = _kubectl(tls_cli, "get", "configmap", "shared", "-o", "jsonpath={.data.a}")
    assert (done.returncode, done.stdout) == (0, "1"), done.stderr
    done = _kubectl(tls_cli, "auth", "can-i", "delete", "configmaps")
    assert (done.returncode, done.stdout) == (0, "yes\n"), done.stderr


def test_flags_override_the_kubeconfig(cli: Cli, project: str, tmp_path: Path) -> None:
    cli("create", "configmap", "here", "--from-literal=a=1")
    elsewhere = tmp_path / "elsewhere"
    shutil.copy(cli.kubeconfig, elsewhere)
    missing = {"KUBECONFIG": str(tmp_path / "missing")}
    flagged = cli("--kubeconfig", str(elsewhere), "get", "cm", "-o", "name", env=missing)
    assert flagged == "configmap/here\n"
    assert cli.server is not None
    empty = Cli(tmp_path / "none", tmp_path)
    url, token = cli.server.api_url, cli.token
    out = empty("--server", url, "--token", token, "-n", project, "get", "cm", "-o", "name")
    assert out == "configmap/here\n"
    out = empty("get", "configmaps", "-o", "name", "--server", url, "-n", project, "--token", token)
    assert out == "configmap/here\n"


def test_kubeconfig_lists_merge_first_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.write_text(yaml.safe_dump({"contexts": [{"name": "c", "context": {"cluster": "one"}}]}))
    second.write_text(
        yaml.safe_dump(
            {
                "current-context": "c",
                "clusters": [{"name": "one", "cluster": {"server": "http://one:1"}}],
                "contexts": [{"name": "c", "context": {"cluster": "two"}}],
            }
        )
    )
    monkeypatch.setenv("KUBECONFIG", f"{first}:{second}")
    config = KubeConfig.load()
    assert (config.path, config.current_context, config.server()) == (first, "c", "http://one:1")


def test_no_server_configured_is_one_line(offline: Cli) -> None:
    line = offline.fails("get", "ns")
    assert line == "error: no server is configured: run 'moorage login SERVER' or pass --server URL"


def test_unreachable_server_names_the_url(offline: Cli) -> None:
    line = offline.fails("get", "ns", "--server", "http://127.0.0.1:9")
    assert line.startswith("error: the server at http://127.0.0.1:9 is unreachable")
    assert "http://127.0.0.1:9" in offline.fails(
        "login", "http://127.0.0.1:9", "-u", "a", "-p", "b"
    )


def test_a_broken_kubeconfig_is_one_line(offline: Cli) -> None:
    offline.kubeconfig.parent.mkdir(parents=True)
    offline.kubeconfig.write_text("clusters: [unclosed\n")
    assert "cannot read kubeconfig" in offline.fails("get", "ns")
