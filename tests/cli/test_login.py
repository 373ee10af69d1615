"""login, whoami and logout: OpenShift's challenging OAuth flow, and oc's names and words."""

import base64
from collections.abc import Callable
from pathlib import Path

import yaml

from moorage.cli.kubeconfig import KubeConfig
from moorage.server.certificates import ensure_api_certificate
from tests.cli.conftest import PASSWORDS, Cli
from tests.support.server import RunningServer

UNAUTHORIZED = "error: You must be logged in to the server (Unauthorized)"
A_TOKEN_NOBODY_HAS = "sha256~" + "A" * 43


def _cluster(server: RunningServer) -> str:
    return f"127-0-0-1:{server.api_port}"


def test_kubeadmin_logs_in_as_kube_admin_and_the_token_goes_in_the_kubeconfig(
    offline: Cli, api_server: RunningServer
) -> None:
    out = offline(
        "login", api_server.api_url, "-u", "kubeadmin", "-p", api_server.kubeadmin_password
    )
    assert out.startswith("Login successful.\n\n")
    cluster = _cluster(api_server)
    config = yaml.safe_load(offline.kubeconfig.read_text())
    assert config["clusters"] == [{"name": cluster, "cluster": {"server": api_server.api_url}}]
    [user] = config["users"]
    assert user["name"] == f"kube:admin/{cluster}"
    assert user["user"]["token"].startswith("sha256~")
    assert config["current-context"] == f"default/{cluster}/kube:admin"
    assert offline("whoami") == "kube:admin\n"
    assert offline("whoami", "-t") == f"{user['user']['token']}\n"
    assert offline("whoami", "--show-server") == f"{api_server.api_url}\n"
    assert offline("whoami", "--show-context") == f"default/{cluster}/kube:admin\n"


def test_an_htpasswd_user_logs_in_and_is_listed_their_projects(
    login_as: Callable[[str], Cli], api_server: RunningServer
) -> None:
    alice = login_as("alice")
    assert alice("whoami") == "alice\n"
    assert alice.kubeconfig.read_text().count("sha256~") == 1
    alice("new-project", "alices-images")
    again = alice("login")  # the stored token is still good: no password needed
    assert again.startswith(f'Logged into "{api_server.api_url}" as "alice" using existing')
    assert 'You have one project on this server: "alices-images".' in again
    assert 'Using project "alices-images".' in again


def test_logging_in_as_someone_else_adds_their_user_and_context(
    cli: Cli, api_server: RunningServer
) -> None:
    cli("login", "-u", "bob", "-p", PASSWORDS["bob"])
    config = KubeConfig.load(str(cli.kubeconfig))
    cluster = _cluster(api_server)
    assert set(config.users) == {f"kube:admin/{cluster}", f"bob/{cluster}"}
    assert config.current_context == f"default/{cluster}/bob"
    assert cli("whoami") == "bob\n"


def test_a_wrong_password_is_one_line_saying_why(offline: Cli, api_server: RunningServer) -> None:
    line = offline.fails("login", api_server.api_url, "-u", "carol", "-p", "wrong")
    assert line.startswith("error: Login failed (401 Unauthorized): ")
    assert not offline.kubeconfig.exists()


def test_too_many_failures_say_when_to_try_again(offline: Cli, api_server: RunningServer) -> None:
    lines = [
        offline.fails("login", api_server.api_url, "-u", "dave", "-p", "no") for _ in range(11)
    ]
    assert lines[0].startswith("error: Login failed (401 Unauthorized)")
    assert lines[-1].startswith("error: Login failed (429 Too Many Requests): ")
    assert "try again in" in lines[-1]


def test_a_user_name_with_a_colon_fails_before_any_request(offline: Cli) -> None:
    line = offline.fails("login", "http://127.0.0.1:9", "-u", "team:alice", "-p", "x")
    assert line == 'error: the user name "team:alice" contains ":", which no user name may'


def test_no_password_and_no_terminal_is_one_line(offline: Cli, api_server: RunningServer) -> None:
    line = offline.fails("login", api_server.api_url, "-u", "alice", input="")
    assert line.startswith("error: a password is required: pass -p PASSWORD")
    line = offline.fails("login", api_server.api_url, input="")
    assert "-u USER -p PASSWORD" in line and "--token" in line


def test_login_with_a_token_verifies_it(offline: Cli, api_server: RunningServer) -> None:
    out = offline("login", api_server.api_url, "--token", api_server.admin_token)
    assert out.startswith(
        f'Logged into "{api_server.api_url}" as "kube:admin" using the token provided.\n'
    )
    assert offline("whoami", "-t") == f"{api_server.admin_token}\n"
    line = offline.fails("login", api_server.api_url, "--token", A_TOKEN_NOBODY_HAS)
    assert line == "error: The token provided is invalid or expired."


def test_logout_revokes_the_token_and_forgets_it(offline: Cli, api_server: RunningServer) -> None:
    offline("login", api_server.api_url, "-u", "kubeadmin", "-p", api_server.kubeadmin_password)
    token = offline.token
    assert offline("logout") == f'Logged "kube:admin" out on "{api_server.api_url}"\n'
    assert "token" not in offline.kubeconfig.read_text()
    assert offline.fails("--token", token, "whoami") == UNAUTHORIZED
    assert offline.fails("whoami", "-t") == "error: no token is currently in use for this session"
    assert offline.fails("logout") == "error: You must have a token in order to logout."


def test_a_token_the_server_does_not_know_is_oc_s_unauthorized(cli: Cli) -> None:
    assert cli.fails("--token", A_TOKEN_NOBODY_HAS, "get", "projects") == UNAUTHORIZED
    assert cli.fails("--token", A_TOKEN_NOBODY_HAS, "whoami") == UNAUTHORIZED


def test_login_with_the_ca_stores_it_in_the_kubeconfig_as_oc_does(
    tls_cli: Cli, tls_api_server: RunningServer
) -> None:
    [cluster] = yaml.safe_load(tls_cli.kubeconfig.read_text())["clusters"]
    stored = base64.b64decode(cluster["cluster"]["certificate-authority-data"])
    assert stored == tls_api_server.ca_path.read_bytes()
    assert cluster["cluster"]["server"] == tls_api_server.api_url
    assert "insecure-skip-tls-verify" not in cluster["cluster"]
    assert tls_cli("whoami") == "kube:admin\n"  # later commands trust the stored CA


def test_an_untrusted_certificate_is_one_line_saying_what_to_do(
    offline: Cli, tls_api_server: RunningServer
) -> None:
    password = tls_api_server.kubeadmin_password
    line = offline.fails("login", tls_api_server.api_url, "-u", "kubeadmin", "-p", password)
    assert line == (
        "error: the server's certificate is not trusted: unable to get local issuer certificate "
        "(use --certificate-authority or --insecure-skip-tls-verify)"
    )
    assert not offline.kubeconfig.exists()


def test_insecure_skip_tls_verify_is_stored_and_honoured(
    offline: Cli, tls_api_server: RunningServer
) -> None:
    password = tls_api_server.kubeadmin_password
    url = tls_api_server.api_url
    offline("login", url, "--insecure-skip-tls-verify", "-u", "kubeadmin", "-p", password)
    [cluster] = yaml.safe_load(offline.kubeconfig.read_text())["clusters"]
    assert cluster["cluster"] == {"server": url, "insecure-skip-tls-verify": True}
    assert offline("whoami") == "kube:admin\n"


def test_the_connection_options_override_the_kubeconfigs_trust(
    tls_cli: Cli, tmp_path: Path
) -> None:
    other, _ = ensure_api_certificate(tmp_path / "other", "127.0.0.1")
    assert other.ca is not None
    line = tls_cli.fails("whoami", "--certificate-authority", str(other.ca))
    assert line.startswith("error: the server's certificate is not trusted: ")
    assert tls_cli("--insecure-skip-tls-verify", "whoami") == "kube:admin\n"
    both = tls_cli.fails("whoami", "--insecure-skip-tls-verify", "--certificate-authority", "x")
    assert both == (
        "error: --certificate-authority and --insecure-skip-tls-verify exclude each other"
    )


def test_a_ca_file_named_in_the_kubeconfig_is_trusted(
    tls_cli: Cli, tls_api_server: RunningServer
) -> None:
    config = KubeConfig.load(str(tls_cli.kubeconfig))
    cluster = config.cluster()
    del cluster["certificate-authority-data"]
    cluster["certificate-authority"] = str(tls_api_server.ca_path)
    config.save()
    assert tls_cli("whoami") == "kube:admin\n"
    cluster["certificate-authority"] = "missing-ca.crt"  # relative to the kubeconfig
    config.save()
    line = tls_cli.fails("whoami")
    assert line.startswith(
        f"error: cannot read the certificate authority {tls_cli.kubeconfig.parent}/missing-ca.crt"
    )


def test_https_to_a_plain_http_server_says_tls_failed(
    offline: Cli, api_server: RunningServer
) -> None:
    https = api_server.api_url.replace("http://", "https://")
    line = offline.fails("login", https, "-u", "kubeadmin", "-p", "x")
    assert line.startswith(f"error: TLS with the server at {https} failed: ")
    assert line.endswith("(does it serve https?)")
