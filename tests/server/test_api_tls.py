"""`moorage serve --api-tls`: the private CA and serving certificate, and the API over HTTPS."""

import datetime
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from moorage.server import certificates
from moorage.server.certificates import ensure_api_certificate
from moorage.server.config import ConfigError, ServerConfig
from tests.support.k8s import running_api
from tests.support.server import MOORAGE, RunningServer, free_port

FILES = ("ca.crt", "ca.key", "api.crt", "api.key")


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    yield from running_api(tmp_path_factory.mktemp("tls-api"), api_tls=True)


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def _names(cert: x509.Certificate) -> set[str]:
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(value) for value in names.get_values_for_type(x509.DNSName)} | {
        str(value) for value in names.get_values_for_type(x509.IPAddress)
    }


def _contents(directory: Path) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in FILES}


def test_the_api_answers_over_https_to_a_client_trusting_the_ca(tls_server: RunningServer) -> None:
    assert tls_server.api_url.startswith("https://127.0.0.1:")
    with tls_server.api_client() as api:
        assert api.get("/apis/user.openshift.io/v1/users/~").json()["metadata"]["name"] == (
            "kube:admin"
        )


def test_the_announcement_says_to_log_in_with_the_ca(tls_server: RunningServer) -> None:
    announced = f"moorage login {tls_server.api_url} --certificate-authority {tls_server.ca_path}"
    assert announced in tls_server.log()


def test_the_ca_verifies_the_chain(tls_server: RunningServer) -> None:
    ca, api = _cert(tls_server.ca_path), _cert(tls_server.ca_path.with_name("api.crt"))
    api.verify_directly_issued_by(ca)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not api.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    for cert, years in ((ca, 10), (api, 1)):
        key = cert.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
        lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
        assert abs(lifetime - datetime.timedelta(days=365 * years)) < datetime.timedelta(days=3)
    assert {"127.0.0.1", "::1", "localhost", socket.gethostname().lower()} <= _names(api)
    strict = ssl.create_default_context(cafile=tls_server.ca_path)
    strict.verify_flags |= ssl.VERIFY_X509_STRICT  # Python 3.13's default: the chain is sound
    assert httpx.get(f"{tls_server.api_url}/version", verify=strict).status_code == 200


def test_private_keys_are_readable_by_the_owner_only(tls_server: RunningServer) -> None:
    directory = tls_server.ca_path.parent
    modes = {path.name: path.stat().st_mode & 0o777 for path in directory.iterdir()}
    assert set(FILES) <= set(modes)  # and the ingress's and the service CA's, made alike
    assert all(modes[name] == (0o600 if name.endswith(".key") else 0o644) for name in modes)
    assert all(name.endswith((".crt", ".key")) for name in modes)  # no leftovers
    assert directory.stat().st_mode & 0o077 == 0


def test_a_plain_http_request_to_the_tls_port_fails_cleanly(tls_server: RunningServer) -> None:
    plain = tls_server.api_url.replace("https://", "http://")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{plain}/version", timeout=5)
    with tls_server.api_client() as api:  # and the server serves on
        assert api.get("/version").status_code == 200
    assert "Traceback" not in tls_server.log()


def test_an_untrusted_client_is_refused(tls_server: RunningServer, tmp_path: Path) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{tls_server.api_url}/version")  # the system's CAs
    other, _ = ensure_api_certificate(tmp_path, "127.0.0.1")
    assert other.ca is not None
    elsewhere = ssl.create_default_context(cafile=other.ca)
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{tls_server.api_url}/version", verify=elsewhere)


def test_certificates_are_made_once_and_reused_across_restarts(tmp_path: Path) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", api_tls=True, projects=())
    server.start()
    made = _contents(server.ca_path.parent)
    server.stop()
    server.start()
    try:
        assert _contents(server.ca_path.parent) == made
        with server.api_client() as api:
            assert api.get("/version").status_code == 200
    finally:
        server.stop()
    assert server.log().count("created the API's CA") == 1


def test_a_serving_certificate_not_naming_the_listen_host_is_made_anew(tmp_path: Path) -> None:
    first, made = ensure_api_certificate(tmp_path, "127.0.0.1")
    assert made == ["CA", "serving certificate"]
    before = _contents(tmp_path / "tls")
    assert ensure_api_certificate(tmp_path, "127.0.0.1")[1] == []
    assert ensure_api_certificate(tmp_path, "0.0.0.0")[1] == []  # every address: no new name
    assert ensure_api_certificate(tmp_path, "192.0.2.7")[1] == ["serving certificate"]
    after = _contents(tmp_path / "tls")
    assert (after["ca.crt"], after["ca.key"]) == (before["ca.crt"], before["ca.key"])
    assert {"192.0.2.7", "127.0.0.1", "localhost"} <= _names(_cert(first.cert))


def test_an_expired_serving_certificate_is_made_anew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_now = certificates._now
    monkeypatch.setattr(certificates, "_now", lambda: real_now() - datetime.timedelta(days=400))
    ensure_api_certificate(tmp_path, "127.0.0.1")
    monkeypatch.setattr(certificates, "_now", real_now)
    tls, made = ensure_api_certificate(tmp_path, "127.0.0.1")
    assert made == ["serving certificate"]
    assert _cert(tls.cert).not_valid_after_utc > real_now() + datetime.timedelta(days=360)


def test_a_serving_certificate_of_another_ca_is_made_anew(tmp_path: Path) -> None:
    ensure_api_certificate(tmp_path, "127.0.0.1")
    (tmp_path / "tls" / "ca.key").unlink()
    tls, made = ensure_api_certificate(tmp_path, "127.0.0.1")
    assert made == ["CA", "serving certificate"]
    assert tls.ca is not None
    _cert(tls.cert).verify_directly_issued_by(_cert(tls.ca))


def test_the_users_own_certificate_and_key_are_served(tmp_path: Path) -> None:
    own, _ = ensure_api_certificate(tmp_path / "own", "127.0.0.1")
    assert own.ca is not None
    args = ["--workers", "1", "--api-tls-cert", str(own.cert), "--api-tls-key", str(own.key)]
    server = RunningServer(
        tmp_path / "data", tmp_path / "server.log", args, api_tls=True, projects=()
    )
    server.ca_path.parent.mkdir(parents=True)
    server.ca_path.write_bytes(own.ca.read_bytes())  # where RunningServer's clients look
    server.start()
    try:
        with server.api_client() as api:
            assert api.get("/version").status_code == 200
    finally:
        server.stop()
    made = {p.name for p in server.ca_path.parent.iterdir()}
    assert not made & {"ca.key", "api.crt", "api.key"}  # no API certificate of its own


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"api_tls_cert": Path("c")}, "--api-tls-cert and --api-tls-key go together"),
        ({"api_tls_cert": Path("c"), "api_tls_key": Path("k")}, "need --api-tls"),
        ({"api_tls": True, "api_tls_cert": Path("/no/c"), "api_tls_key": Path("k")}, "no such"),
    ],
)
def test_certificate_options_are_checked_at_start(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        ServerConfig(**options)


def test_a_key_that_is_not_the_certificates_fails_the_start_in_one_error(tmp_path: Path) -> None:
    own, _ = ensure_api_certificate(tmp_path / "own", "127.0.0.1")
    wrong_key = own.cert.with_name("ca.key")
    done = subprocess.run(
        [
            *MOORAGE,
            "serve",
            "--listen",
            f"127.0.0.1:{free_port()}",
            "--api-listen",
            f"127.0.0.1:{free_port()}",
            "--ingress-listen",
            "off",
            "--data-dir",
            str(tmp_path / "data"),
            "--api-tls-cert",
            str(own.cert),
            "--api-tls-key",
            str(wrong_key),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()[-1:]
    assert line.startswith(f"error: cannot serve TLS with {own.cert} and {wrong_key}: ")
