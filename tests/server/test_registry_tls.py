"""The registry's own listener: plain HTTP on loopback, TLS from the service CA beyond it."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from tests.support.clients import Sandbox
from tests.support.images import image, push_image, write_oci_layout
from tests.support.requirements import require
from tests.support.server import RunningServer


@pytest.fixture
def everywhere(tmp_path: Path) -> Iterator[RunningServer]:
    server = RunningServer(
        tmp_path / "data", tmp_path / "server.log", ["--workers", "1"], listen_host="0.0.0.0"
    )
    yield server.start()
    server.stop()


def test_beyond_loopback_the_registry_serves_tls_from_the_service_ca(
    everywhere: RunningServer, tmp_path: Path
) -> None:
    require("skopeo")
    with everywhere.registry_client() as http:
        assert push_image(http, "test/app", image(), "v1").status_code == 201
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://{everywhere.address}/v2/", timeout=5)  # no plain HTTP
    served = x509.load_pem_x509_certificate(
        (everywhere.data_dir / "tls" / "registry.crt").read_bytes()
    )
    names = served.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "image-registry.openshift-image-registry.svc" in names.get_values_for_type(x509.DNSName)
    certs = tmp_path / "certs"
    certs.mkdir()
    (certs / "service-ca.crt").write_bytes(everywhere.service_ca_path.read_bytes())
    img = image()
    layout = write_oci_layout(tmp_path / "layout", {"v1": img.manifest}, [img])
    skopeo = Sandbox(tmp_path / "skopeo").log_in(everywhere.address, *everywhere.registry_auth)
    target = f"docker://{everywhere.address}/test/other:v1"
    skopeo.skopeo("copy", "--dest-cert-dir", certs, f"oci:{layout}:v1", target)
    skopeo.skopeo("inspect", "--cert-dir", certs, target)
    skopeo.close()


def test_on_loopback_the_registry_speaks_plain_http(tmp_path: Path) -> None:
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", ["--workers", "1"])
    try:
        with server.start().registry_client() as http:
            assert http.get("/v2/").status_code == 200
    finally:
        server.stop()
    assert server.url.startswith("http://")
