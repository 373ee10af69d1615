"""spec.requests: a replica runs so many reads (writes) at once and queues so many more;
the rest are answered 429 TOOMANYREQUESTS at once, and so is a request that waited too long.

One replica, so that every request meets the same limits (they are per replica). A large
blob's GET on a raw socket that reads nothing holds the one running read; an upload PATCH
whose body has not all been sent holds the one running write."""

import base64
import os
import socket
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager

import httpx

from tests.cli.conftest import Cli
from tests.operator.conftest import CONFIG, settled, wait_for
from tests.support.images import digest_of, image, push_blob, push_image
from tests.support.server import RunningServer

BIG = 32 * 1024 * 1024  # far more than loopback's socket buffers hold
LIMITS = '{"maxRunning":1,"maxInQueue":1,"maxWaitInQueue":"5s"}'


def _applied(oc: Cli, spec: str) -> None:
    oc("patch", CONFIG, "--type", "merge", "-p", f'{{"spec":{spec}}}')
    wait_for(lambda: settled(oc), f"the registry to run with {spec}")


def _connect(cluster: RunningServer, head: list[str]) -> socket.socket:
    """A connection to the registry port on which `head` (and kubeadmin's credentials) went."""
    credentials = base64.b64encode(":".join(cluster.registry_auth).encode()).decode()
    host, port = cluster.address.rsplit(":", 1)
    connection = socket.create_connection((host, int(port)))
    lines = [*head, f"Host: {cluster.address}", f"Authorization: Basic {credentials}"]
    connection.sendall("\r\n".join(lines).encode() + b"\r\n\r\n")
    return connection


def _answer_head(connection: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        head += connection.recv(1)
    return head


@contextmanager
def held_read(cluster: RunningServer, path: str) -> Iterator[None]:
    """A GET of `path` whose answer has begun and is read no further until the block ends."""
    with _connect(cluster, [f"GET {path} HTTP/1.1"]) as connection:
        assert _answer_head(connection).startswith(b"HTTP/1.1 200")
        yield


def _refusal(answer: httpx.Response) -> str:
    assert answer.status_code == 429, answer.text
    assert answer.headers["Retry-After"] == "1"
    [error] = answer.json()["errors"]
    assert error["code"] == "TOOMANYREQUESTS"
    return str(error["message"])


def test_reads_past_the_read_limits_are_refused_and_writes_go_on(
    cluster: RunningServer, oc: Cli
) -> None:
    big = os.urandom(BIG)
    img = image()
    manifest = "/v2/openshift/limited/manifests/v1"
    with cluster.registry_client() as http:
        assert push_blob(http, "openshift/limited", big).status_code == 201
        assert push_image(http, "openshift/limited", img, "v1").status_code == 201
    _applied(oc, f'{{"replicas":1,"requests":{{"read":{LIMITS}}}}}')
    with (
        cluster.registry_client() as http,
        ThreadPoolExecutor(2) as pool,
        held_read(cluster, f"/v2/openshift/limited/blobs/{digest_of(big)}"),
    ):
        reads = [pool.submit(http.get, manifest) for _ in range(2)]
        [first], [other] = wait(reads, return_when=FIRST_COMPLETED)
        assert "reads running: 1, waiting: 1" in _refusal(first.result())  # at once
        assert push_blob(http, "openshift/limited", b"a write").status_code == 201
        assert http.get("/v2/").status_code == 200
        assert "waited 5s" in _refusal(other.result())
    with cluster.registry_client() as http, ThreadPoolExecutor(4) as pool:
        wait_for(lambda: http.get(manifest).status_code == 200, "the held read's place")
        _applied(oc, '{"requests":null}')
        with held_read(cluster, f"/v2/openshift/limited/blobs/{digest_of(big)}"):
            answers = list(pool.map(lambda _: http.get(manifest), range(4)))
            assert [a.status_code for a in answers] == [200] * 4


def test_writes_past_the_write_limits_are_refused_and_reads_go_on(
    cluster: RunningServer, oc: Cli
) -> None:
    img = image()
    manifest = "/v2/openshift/writes/manifests/v1"
    with cluster.registry_client() as http:
        assert push_image(http, "openshift/writes", img, "v1").status_code == 201
    _applied(oc, '{"replicas":1,"requests":{"write":{"maxRunning":1}}}')
    body = os.urandom(64 * 1024)
    with cluster.registry_client() as http:
        location = http.post("/v2/openshift/writes/blobs/uploads/").headers["Location"]
        head = [f"PATCH {location} HTTP/1.1", f"Content-Length: {len(body)}"]
        with _connect(cluster, head) as held:  # a write whose body has not all come
            held.sendall(body[:1024])
            wait_for(
                lambda: http.post("/v2/openshift/writes/blobs/uploads/").status_code == 429,
                "a second write to be refused",
            )
            refused = http.delete(f"/v2/openshift/writes/manifests/{img.digest}")
            assert "writes running: 1, waiting: 0" in _refusal(refused)
            assert http.get(manifest).status_code == 200
            held.sendall(body[1024:])
            assert _answer_head(held).startswith(b"HTTP/1.1 202")
        assert push_blob(http, "openshift/writes", body).status_code == 201
