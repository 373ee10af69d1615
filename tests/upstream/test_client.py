"""Registry v2 reads from Debian's docker-registry: plain HTTP only when insecure, htpasswd
Basic auth, the Bearer token flow, TLS trusted through the additional CAs alone, the proxy,
and every read bounded."""

import contextlib
import hashlib
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from moorage.upstream.allowance import Allowance
from moorage.upstream.client import RegistryClient
from moorage.upstream.credentials import Credentials
from moorage.upstream.errors import (
    HttpOnly,
    UpstreamForbidden,
    UpstreamNotFound,
    UpstreamUnauthorized,
    UpstreamUnavailable,
)
from moorage.upstream.reach import Proxy, Reach
from moorage.upstream.references import parse_reference
from tests.support.connect_proxy import loopback_proxy
from tests.support.images import OCI_MANIFEST, digest_of, image
from tests.support.third_party import ThirdParty, third_party
from tests.support.token_front import token_front

UNRESOLVABLE = "registry.example.test"  # reached only through the proxy, which maps it home


@pytest.fixture
def plain(tmp_path: Path) -> Iterator[ThirdParty]:
    with third_party(tmp_path / "plain") as registry:
        yield registry


@pytest.fixture
def tls(tmp_path: Path) -> Iterator[ThirdParty]:
    with third_party(tmp_path / "tls", tls_hosts=("127.0.0.1", UNRESOLVABLE)) as registry:
        yield registry


def test_an_insecure_import_reads_manifest_tags_and_config_over_plain_http(
    plain: ThirdParty,
) -> None:
    img = image()
    plain.push("team/app", img, "v1")
    ref = parse_reference(f"{plain.address}/team/app:v1")
    with RegistryClient(plain.address, Reach(), None, insecure=True) as upstream:
        fetched = upstream.manifest(ref, "v1")
        assert (fetched.body, fetched.digest) == (img.manifest, img.digest)
        assert fetched.media_type == img.media_type
        assert upstream.tags(ref) == ["v1"]
        assert upstream.blob(ref, digest_of(img.config), 1 << 20) == img.config


def test_plain_http_without_insecure_is_refused_with_openshifts_words(plain: ThirdParty) -> None:
    ref = parse_reference(f"{plain.address}/team/app:v1")
    with (
        RegistryClient(plain.address, Reach(), None, insecure=False) as upstream,
        pytest.raises(HttpOnly) as refused,
    ):
        upstream.manifest(ref, "v1")
    wanted = f"the repository {plain.address} is HTTP only and requires the insecure flag"
    assert wanted in refused.value.message


def test_an_unknown_tag_is_not_found(plain: ThirdParty) -> None:
    plain.push("team/app", image(), "v1")
    ref = parse_reference(f"{plain.address}/team/app:v9")
    with (
        RegistryClient(plain.address, Reach(), None, insecure=True) as upstream,
        pytest.raises(UpstreamNotFound) as missing,
    ):
        upstream.manifest(ref, "v9")
    assert missing.value.message == f'dockerimage.image.openshift.io "{ref}" not found'


def test_basic_auth_needs_the_credentials(tmp_path: Path) -> None:
    with third_party(tmp_path / "auth", users={"puller": "pw"}) as registry:
        img = image()
        registry.push("team/app", img, "v1")
        ref = parse_reference(f"{registry.address}/team/app:v1")
        good = Credentials("puller", "pw")
        with RegistryClient(registry.address, Reach(), good, insecure=True) as upstream:
            assert upstream.manifest(ref, "v1").digest == img.digest
        with (
            RegistryClient(registry.address, Reach(), None, insecure=True) as upstream,
            pytest.raises(UpstreamUnauthorized) as refused,
        ):
            upstream.manifest(ref, "v1")
    assert refused.value.message == f'you may not have access to the container image "{ref}"'


def test_the_bearer_challenge_is_answered_with_a_token_from_its_realm(plain: ThirdParty) -> None:
    img = image()
    plain.push("team/app", img, "v1")
    with token_front(plain.url, "robot", "robot-pw") as front:
        ref = parse_reference(f"{front.address}/team/app:v1")
        robot = Credentials("robot", "robot-pw")
        with RegistryClient(front.address, Reach(), robot, insecure=True) as upstream:
            assert upstream.manifest(ref, "v1").digest == img.digest
            assert upstream.tags(ref) == ["v1"]
        assert front.scopes == ["repository:team/app:pull"]  # one token, used twice
        wrong = Credentials("robot", "nope")
        with (
            RegistryClient(front.address, Reach(), wrong, insecure=True) as upstream,
            pytest.raises(UpstreamUnauthorized),
        ):
            upstream.manifest(ref, "v1")


@pytest.mark.parametrize("algorithm", ["sha256", "sha512"])
def test_a_manifest_asked_for_by_digest_is_refused_unless_its_bytes_have_that_digest(
    plain: ThirdParty, algorithm: str
) -> None:
    real, other = image(), image()
    named = f"{algorithm}:" + hashlib.new(algorithm, real.manifest).hexdigest()
    with token_front(plain.url, "robot", "robot-pw") as front:
        front.served[f"/v2/team/app/manifests/{named}"] = (OCI_MANIFEST, other.manifest)
        ref = parse_reference(f"{front.address}/team/app@{named}")
        robot = Credentials("robot", "robot-pw")
        with (
            RegistryClient(front.address, Reach(), robot, insecure=True) as upstream,
            pytest.raises(UpstreamUnavailable) as refused,
        ):
            upstream.manifest(ref, named)
    assert f"sent a manifest for {named} of {other.digest}" in refused.value.message


def test_tls_is_trusted_through_the_additional_cas_alone(tls: ThirdParty) -> None:
    img = image()
    tls.push("team/app", img, "v1")
    ref = parse_reference(f"{tls.address}/team/app:v1")
    trusting = Reach(trusted_cas=(tls.ca_path.read_text(),))
    with RegistryClient(tls.address, trusting, None, insecure=False) as upstream:
        assert upstream.manifest(ref, "v1").digest == img.digest
    with (
        RegistryClient(tls.address, Reach(), None, insecure=False) as upstream,
        pytest.raises(UpstreamUnavailable) as untrusted,
    ):
        upstream.manifest(ref, "v1")
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.value.message


def test_every_call_goes_through_the_proxy_unless_no_proxy_names_the_host(
    tls: ThirdParty,
) -> None:
    img = image()
    tls.push("team/app", img, "v1")
    host = f"{UNRESOLVABLE}:{tls.port}"
    ref = parse_reference(f"{host}/team/app:v1")
    cas = (tls.ca_path.read_text(),)
    with loopback_proxy() as proxy:
        through = Reach(Proxy(https=proxy), cas)
        with RegistryClient(host, through, None, insecure=False) as upstream:
            assert upstream.manifest(ref, "v1").digest == img.digest
        bypassed = Reach(Proxy(https=proxy, no_proxy=f".example.test,{UNRESOLVABLE}"), cas)
        with (
            RegistryClient(host, bypassed, None, insecure=False) as upstream,
            pytest.raises(UpstreamUnavailable),
        ):
            upstream.manifest(ref, "v1")


def test_reads_are_bounded(plain: ThirdParty) -> None:
    img = image(layers=1, layer_size=64 * 1024)
    plain.push("team/app", img, "v1")
    ref = parse_reference(f"{plain.address}/team/app:v1")
    with (
        RegistryClient(plain.address, Reach(), None, insecure=True) as upstream,
        pytest.raises(UpstreamUnavailable) as refused,
    ):
        upstream.blob(ref, digest_of(img.layers[0]), 1024)
    assert "larger than 1024 bytes" in refused.value.message


class _Trickling(socketserver.StreamRequestHandler):
    """A registry that answers /v2/ at once and everything else a byte at a time."""

    def handle(self) -> None:
        if self.connection.recv(1, socket.MSG_PEEK) == b"\x16":
            return  # a TLS handshake: this registry speaks plain HTTP
        request = self.rfile.readline().split()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        head = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\n"
        if request[1] == b"/v2/":
            self.wfile.write(f"{head}Content-Length: 0\r\n\r\n".encode())
            return
        self.wfile.write(f"{head}Content-Length: 40\r\n\r\n".encode())
        with contextlib.suppress(OSError):
            for _ in range(40):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.05)


def test_an_answer_trickled_slower_than_the_deadline_is_given_up() -> None:
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Trickling) as slow:
        slow.daemon_threads = True
        threading.Thread(target=slow.serve_forever, daemon=True).start()
        host = f"127.0.0.1:{slow.server_address[1]}"
        ref = parse_reference(f"{host}/team/app:v1")
        with (
            RegistryClient(host, Reach(), None, insecure=True, response_seconds=0.5) as upstream,
            pytest.raises(UpstreamUnavailable) as given_up,
        ):
            upstream.manifest(ref, "v1")
        slow.shutdown()
    assert "took more than 0.5 s to arrive" in given_up.value.message


class _Misbehaving(socketserver.StreamRequestHandler):
    """A plain-HTTP registry whose /v2/ never ends when the server is `endless` (counting
    what it sent), whose token realm is no URL, and whose manifests redirect to a host that
    is none."""

    sent = 0
    ENDLESS = 64 << 20

    def handle(self) -> None:
        if self.connection.recv(1, socket.MSG_PEEK) == b"\x16":
            return
        path = self.rfile.readline().split()[1]
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        head = "HTTP/1.1 {}\r\nConnection: close\r\nContent-Length: {}\r\n{}\r\n"
        if path == b"/v2/" and not getattr(self.server, "endless", False):
            self.wfile.write(head.format("200 OK", 0, "").encode())
        elif path == b"/v2/":
            self.wfile.write(head.format("200 OK", self.ENDLESS, "").encode())
            with contextlib.suppress(OSError):
                for _ in range(self.ENDLESS >> 16):
                    self.wfile.write(b" " * (1 << 16))
                    type(self).sent += 1 << 16
        elif b"/tags/" in path:
            challenge = 'WWW-Authenticate: Bearer realm="http://[::1"\r\n'
            self.wfile.write(head.format("401 Unauthorized", 0, challenge).encode())
        else:
            self.wfile.write(head.format("302 Found", 0, "Location: http://a..b/\r\n").encode())


@contextlib.contextmanager
def _misbehaving(endless: bool) -> Iterator[str]:
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Misbehaving) as server:
        server.daemon_threads = True
        server.endless = endless  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        yield f"127.0.0.1:{server.server_address[1]}"
        server.shutdown()


def test_an_endless_answer_to_the_first_probe_is_read_no_further_than_any_other() -> None:
    with (
        _misbehaving(endless=True) as host,
        RegistryClient(host, Reach(), None, insecure=True) as upstream,
        pytest.raises(UpstreamUnavailable) as refused,
    ):
        upstream.tags(parse_reference(f"{host}/team/app"))
    assert "/v2/ is larger than" in refused.value.message
    assert _Misbehaving.sent < _Misbehaving.ENDLESS // 2


def test_a_realm_or_redirect_naming_no_usable_url_is_the_registrys_failure() -> None:
    with _misbehaving(endless=False) as host:
        ref = parse_reference(f"{host}/team/app:v1")
        with RegistryClient(host, Reach(), None, insecure=True) as upstream:
            with pytest.raises(UpstreamUnavailable, match="token realm that is no URL"):
                upstream.tags(ref)
            with pytest.raises(UpstreamUnavailable, match=f"cannot reach {host}"):
                upstream.manifest(ref, "v1")


def test_past_its_allowed_time_a_client_waits_for_no_answer_and_sends_no_request() -> None:
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Trickling) as slow:
        slow.daemon_threads = True
        threading.Thread(target=slow.serve_forever, daemon=True).start()
        host = f"127.0.0.1:{slow.server_address[1]}"
        ref = parse_reference(f"{host}/team/app:v1")
        allowance = Allowance(seconds=0.5)
        with RegistryClient(host, Reach(), None, insecure=True, allowance=allowance) as upstream:
            with pytest.raises(UpstreamUnavailable, match=r"took more than 0\.\d+ s to arrive"):
                upstream.manifest(ref, "v1")
            with pytest.raises(UpstreamUnavailable, match="the import ran out of time before GET"):
                upstream.tags(ref)
        slow.shutdown()


class _Redirecting(socketserver.StreamRequestHandler):
    """A registry on loopback, plain HTTP only, that sends every read but /v2/ to its server's
    `target`."""

    def handle(self) -> None:
        if self.connection.recv(1, socket.MSG_PEEK) == b"\x16":
            return  # a TLS ClientHello: this registry speaks no TLS
        path = self.rfile.readline().split()[1]
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        head = "HTTP/1.1 {}\r\nConnection: close\r\nContent-Length: 0\r\n{}\r\n"
        if path == b"/v2/":
            self.wfile.write(head.format("200 OK", "").encode())
        else:
            where = f"Location: {self.server.target}\r\n"  # type: ignore[attr-defined]
            self.wfile.write(head.format("302 Found", where).encode())


@pytest.mark.parametrize(
    "target",
    [
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://2852039166/latest/meta-data/",  # the same, spelled as one number
        "http://[::ffff:169.254.169.254]/",  # and as an IPv4-mapped IPv6 address
        "http://[fe80::1]/",
        "http://0.0.0.0/",
    ],
)
def test_a_redirect_further_inside_the_network_than_the_registry_is_not_followed(
    target: str,
) -> None:
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Redirecting) as server:
        server.daemon_threads = True
        server.target = target  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        host = f"127.0.0.1:{server.server_address[1]}"
        with (
            RegistryClient(host, Reach(), None, insecure=True) as upstream,
            pytest.raises(UpstreamForbidden, match="further inside the network"),
        ):
            upstream.manifest(parse_reference(f"{host}/team/app:v1"), "v1")
        server.shutdown()
