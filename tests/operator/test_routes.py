"""Exposing the registry (specification 2.4 and chapter 5): the default route and custom
routes, served over TLS by the ingress with the certificate each host's route names,
chosen by SNI; podman and skopeo log in, push and pull through a route by its hostname.

Route hostnames reach the ingress through an HTTPS_PROXY that takes every name to
loopback (tests/support/connect_proxy.py): no DNS record or /etc/hosts entry is needed,
and the clients still check the certificate against the hostname."""

import base64
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import Cli
from tests.operator.conftest import CONFIG, NAMESPACE, condition, get_json, settled, wait_for
from tests.support.clients import Sandbox
from tests.support.connect_proxy import loopback_proxy
from tests.support.images import digest_of, image, push_image, write_oci_layout
from tests.support.requirements import require
from tests.support.server import RunningServer

DEFAULT_HOST = "default-route-openshift-image-registry.apps.localhost"
CUSTOM_HOST = "myregistry.mycorp.organization"


@pytest.fixture
def proxy() -> Iterator[str]:
    with loopback_proxy() as url:
        yield url


def _patch(oc: Cli, spec: str) -> None:
    oc("patch", CONFIG, "--patch", f'{{"spec":{spec}}}', "--type=merge")


def _route(oc: Cli, name: str) -> bool:
    return oc.run("get", "route", name, "-n", NAMESPACE).returncode == 0


def _served_certificate(cluster: RunningServer, host: str) -> bytes | None:
    """The certificate the ingress answers `host` with (DER); None if it refuses the name."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", cluster.ingress_port), timeout=10) as raw:
        try:
            with context.wrap_socket(raw, server_hostname=host) as tls:
                return tls.getpeercert(binary_form=True)
        except (ssl.SSLError, ConnectionResetError):
            return None


def _route_client(
    cluster: RunningServer, proxy: str, host: str, ca: Path, token: str = ""
) -> httpx.Client:
    """An HTTP client of the registry through the route `host`, trusting `ca`."""
    return httpx.Client(
        base_url=f"https://{host}:{cluster.ingress_port}",
        proxy=proxy,
        verify=ssl.create_default_context(cafile=ca),
        auth=("kubeadmin", token) if token else None,
        timeout=30,
    )


def _v2(cluster: RunningServer, proxy: str, host: str, ca: Path) -> int:
    with _route_client(cluster, proxy, host, ca) as http:
        return http.get("/v2/").status_code


def _ingress_ca(oc: Cli, directory: Path) -> Path:
    """Chapter 5: the ingress's certificate as the CA, in a per-test --cert-dir."""
    encoded = oc(
        "get",
        "secret",
        "-n",
        "openshift-ingress",
        "router-certs-default",
        "-o",
        'go-template={{index .data "tls.crt"}}',
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "ca.crt").write_bytes(base64.b64decode(encoded))
    return directory / "ca.crt"


def _tls_secret(oc: Cli, where: Path, host: str) -> Path:
    """`moorage create secret tls public-route-tls` with a self-signed certificate for
    `host`; returns the certificate."""
    cert, key = _self_signed(where, host)
    oc(
        "create",
        "secret",
        "tls",
        "public-route-tls",
        "-n",
        NAMESPACE,
        f"--cert={cert}",
        f"--key={key}",
    )
    return cert


def test_the_default_route_procedure_runs_as_written_and_podman_and_skopeo_use_it(
    cluster: RunningServer, oc: Cli, tmp_path: Path, proxy: str
) -> None:
    require("podman")
    require("skopeo")
    _patch(oc, '{"defaultRoute":true}')
    wait_for(lambda: _route(oc, "default-route"), "the default route")
    table = oc("get", "route", "-n", NAMESPACE).splitlines()
    assert table[0].split() == [
        "NAME",
        "HOST/PORT",
        "PATH",
        "SERVICES",
        "PORT",
        "TERMINATION",
        "WILDCARD",
    ]
    assert table[1].split() == [
        "default-route",
        DEFAULT_HOST,
        "image-registry",
        "5000-tcp",
        "reencrypt",
        "None",
    ]
    host = oc("get", "route", "default-route", "-n", NAMESPACE, "--template={{ .spec.host }}")
    assert host == DEFAULT_HOST
    certs = _ingress_ca(oc, tmp_path / "certs").parent
    route = f"{host}:{cluster.ingress_port}"
    clients = Sandbox(tmp_path / "clients", proxy=proxy)
    token = oc("whoami", "-t").strip()
    assert "Login Succeeded" in clients.podman(
        "login", "-u", "kubeadmin", "-p", token, "--cert-dir", certs, route
    )
    img = image()
    layout = write_oci_layout(tmp_path / "layout", {"v1": img.manifest}, [img])
    target = f"{route}/openshift/app"
    clients.skopeo("copy", "--dest-cert-dir", certs, f"oci:{layout}:v1", f"docker://{target}:v1")
    clients.podman("pull", "--cert-dir", certs, f"{target}:v1")
    clients.podman("tag", f"{target}:v1", f"{target}:v2")
    clients.podman("push", "--cert-dir", certs, f"{target}:v2")
    pulled = tmp_path / "pulled"
    clients.skopeo("copy", "--src-cert-dir", certs, f"docker://{target}:v2", f"dir:{pulled}")
    assert (pulled / "manifest.json").exists()
    assert "v2" in oc("get", "is", "app", "-n", "openshift")
    clients.close()


def test_without_the_default_route_its_host_is_not_served(cluster: RunningServer, oc: Cli) -> None:
    assert _served_certificate(cluster, DEFAULT_HOST) is None
    _patch(oc, '{"defaultRoute":true}')
    wait_for(lambda: _served_certificate(cluster, DEFAULT_HOST) is not None, "the route served")
    _patch(oc, '{"defaultRoute":false}')
    wait_for(lambda: not _route(oc, "default-route"), "the default route removed")
    assert _served_certificate(cluster, DEFAULT_HOST) is None


def test_removed_takes_the_routes_away_and_managed_brings_them_back(
    cluster: RunningServer, oc: Cli
) -> None:
    _patch(oc, '{"defaultRoute":true}')
    wait_for(lambda: _served_certificate(cluster, DEFAULT_HOST) is not None, "the route served")
    _patch(oc, '{"managementState":"Removed"}')
    wait_for(lambda: not _route(oc, "default-route"), "the route removed with the registry")
    _patch(oc, '{"managementState":"Managed"}')
    wait_for(lambda: _served_certificate(cluster, DEFAULT_HOST) is not None, "the route back")


def _self_signed(directory: Path, host: str) -> tuple[Path, Path]:
    """A certificate and key for `host`, made with openssl as a user would."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "tls.crt", directory / "tls.key"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "30", "-newkey", "ec"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1", "-subj", f"/CN={host}"),
            *("-addext", f"subjectAltName=DNS:{host}", "-keyout", key, "-out", cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_a_custom_route_serves_its_own_certificate_chosen_by_sni(
    cluster: RunningServer, oc: Cli, tmp_path: Path, proxy: str
) -> None:
    require("podman")
    cert = _tls_secret(oc, tmp_path / "mycorp", CUSTOM_HOST)
    routes = (
        f'[{{"name":"public-routes","hostname":"{CUSTOM_HOST}","secretName":"public-route-tls"}}]'
    )
    _patch(oc, f'{{"defaultRoute":true,"routes":{routes}}}')
    wait_for(lambda: _route(oc, "public-routes"), "the custom route")
    route = get_json(oc, "route", "public-routes", "-n", NAMESPACE)
    assert route["spec"]["host"] == CUSTOM_HOST
    assert route["spec"]["tls"]["termination"] == "reencrypt"
    assert route["spec"]["tls"]["certificate"] == cert.read_text()
    assert _v2(cluster, proxy, CUSTOM_HOST, cert) == 401
    ingress_ca = _ingress_ca(oc, tmp_path / "ingress")
    assert _v2(cluster, proxy, DEFAULT_HOST, ingress_ca) == 401
    router_ca = tmp_path / "router-ca.crt"
    jsonpath = r"jsonpath={.data.tls\.crt}"
    secret = oc("get", "secret", "router-ca", "-n", "openshift-ingress-operator", "-o", jsonpath)
    router_ca.write_bytes(base64.b64decode(secret))
    assert _v2(cluster, proxy, DEFAULT_HOST, router_ca) == 401  # the CA alone will do
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        _v2(cluster, proxy, CUSTOM_HOST, ingress_ca)  # not the default certificate: its own
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / "ca.crt").write_bytes(cert.read_bytes())
    clients = Sandbox(tmp_path / "clients", proxy=proxy)
    token = oc("whoami", "-t").strip()
    login = clients.podman(
        "login",
        "-u",
        "kubeadmin",
        "-p",
        token,
        "--cert-dir",
        certs,
        f"{CUSTOM_HOST}:{cluster.ingress_port}",
    )
    assert "Login Succeeded" in login
    clients.close()


def test_a_route_whose_secret_is_missing_or_not_tls_degrades_and_the_others_serve(
    cluster: RunningServer, oc: Cli, tmp_path: Path, proxy: str
) -> None:
    routes = (
        '[{"name":"public-routes","hostname":"broken.example.org","secretName":"public-route-tls"}]'
    )
    _patch(oc, f'{{"defaultRoute":true,"routes":{routes}}}')
    wait_for(lambda: condition(oc, "Degraded").get("status") == "True", "Degraded")
    message = condition(oc, "Degraded")["message"]
    assert 'spec.routes[0] (public-routes): secret "public-route-tls" not found' in message
    assert "moorage create secret tls public-route-tls" in message
    listed = oc("get", "route", "public-routes", "-n", NAMESPACE)
    assert "ExtendedValidationFailed" in listed
    ingress_ca = _ingress_ca(oc, tmp_path / "ingress")
    assert _v2(cluster, proxy, DEFAULT_HOST, ingress_ca) == 401
    assert _served_certificate(cluster, "broken.example.org") is None
    oc("create", "secret", "generic", "public-route-tls", "-n", NAMESPACE, "--from-literal=a=b")
    wait_for(lambda: "of type Opaque" in condition(oc, "Degraded")["message"], "not TLS said")
    co = oc("get", "clusteroperator", "image-registry")
    assert "of type Opaque, not kubernetes.io/tls" in co
    oc("delete", "secret", "public-route-tls", "-n", NAMESPACE)
    cert = _tls_secret(oc, tmp_path / "fixed", "broken.example.org")
    wait_for(lambda: condition(oc, "Degraded").get("status") == "False", "Degraded cleared")
    assert _v2(cluster, proxy, "broken.example.org", cert) == 401


def test_blobs_come_through_a_route_whole_and_in_ranges(
    cluster: RunningServer, oc: Cli, tmp_path: Path, proxy: str
) -> None:
    img = image(layers=1, layer_size=3 * 1024 * 1024 + 7)
    with cluster.registry_client() as http:
        assert push_image(http, "openshift/big", img, "v1").status_code == 201
    _patch(oc, '{"defaultRoute":true}')
    wait_for(lambda: _served_certificate(cluster, DEFAULT_HOST) is not None, "the route served")
    ca = _ingress_ca(oc, tmp_path / "ingress")
    layer = img.layers[0]
    digest = digest_of(layer)
    assert len(layer) > 3 * 1024 * 1024
    with _route_client(cluster, proxy, DEFAULT_HOST, ca, cluster.admin_token) as http:
        assert http.get(f"/v2/openshift/big/blobs/{digest}").content == layer
        part = http.get(f"/v2/openshift/big/blobs/{digest}", headers={"Range": "bytes=5-1048580"})
        assert part.status_code == 206
        assert part.content == layer[5:1048581]


def _get_as_go_clients_do(http: httpx.Client, path: str) -> httpx.Response:
    """A GET sent again once when its kept-alive connection closed before any answer, as
    RFC 9112 9.3.1 allows and Go's net/http (podman, skopeo) does; httpx does not. A
    replica that stops closes the connections idle for a second: one the client reuses at
    that instant (the tunnel through the test's proxy widens the instant, a loaded machine
    stretches a client's pause past the second) is closed under its next request."""
    try:
        return http.get(path)
    except httpx.RemoteProtocolError as error:
        if "without sending a response" not in str(error):
            raise
        return http.get(path)


def test_a_rollout_loses_no_request_through_a_route(
    cluster: RunningServer, oc: Cli, tmp_path: Path, proxy: str
) -> None:
    img = image(layers=1, layer_size=256 * 1024)
    with cluster.registry_client() as http:
        assert push_image(http, "openshift/busy", img, "v1").status_code == 201
    _patch(oc, '{"defaultRoute":true}')
    wait_for(lambda: settled(oc) and _route(oc, "default-route"), "the route")
    ca = _ingress_ca(oc, tmp_path / "ingress")
    layer = f"/v2/openshift/busy/blobs/{digest_of(img.layers[0])}"
    outcomes: list[int | str] = []
    stop = threading.Event()

    def pull() -> None:
        with _route_client(cluster, proxy, DEFAULT_HOST, ca, cluster.admin_token) as http:
            while not stop.is_set():
                try:
                    answer = _get_as_go_clients_do(http, layer)
                    outcomes.append(200 if answer.content == img.layers[0] else answer.status_code)
                except httpx.TransportError as error:
                    outcomes.append(repr(error))

    puller = threading.Thread(target=pull)
    puller.start()
    try:
        for change in ('{"logLevel":"Debug"}', '{"logLevel":"Normal"}'):
            _patch(oc, change)
            wait_for(lambda: settled(oc), f"the registry to run with {change}")
    finally:
        stop.set()
        puller.join(60)
    assert [o for o in outcomes if o != 200] == []
    assert len(outcomes) > 20
