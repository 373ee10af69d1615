"""What the s3 driver adds to the contract, against a real S3 endpoint (moto's server, which
refuses multipart parts under 5 MiB but the last, as S3 does): uploads in whole parts
however small the client's PATCHes, every acknowledged byte kept and found by another
replica, the documented key layout, and storage failures said in words."""

import asyncio
import dataclasses
import http.client
import http.server
import os
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from moorage.observability.metrics import STORAGE_ERRORS, Metrics
from moorage.storage.base import StorageUnavailable
from moorage.storage.metered import MeteredBlobStore
from moorage.storage.s3 import S3BlobStore
from moorage.storage.s3_client import S3Location
from tests.storage.test_blob_store_contract import append, collect, digest_of
from tests.support.moto import MotoServer
from tests.support.server import free_port

PART = 5 << 20


@pytest.fixture
def location(moto: MotoServer) -> S3Location:
    return moto.location(moto.new_bucket(), chunk_size=PART)


@pytest.fixture
def bucket(moto: MotoServer, location: S3Location) -> Iterator[Any]:
    """A plain boto3 client's view of the test's bucket: what is really in S3."""
    client = moto.client()
    yield lambda operation, **arguments: getattr(client, operation)(
        Bucket=location.bucket, **arguments
    )
    client.close()  # type: ignore[attr-defined]


def stores(location: S3Location, count: int) -> list[S3BlobStore]:
    """`count` stores on one bucket, as `count` replicas have."""
    return [S3BlobStore(location) for _ in range(count)]


def keys(bucket: Any, prefix: str = "") -> list[str]:
    return [item["Key"] for item in bucket("list_objects_v2", Prefix=prefix).get("Contents", [])]


def test_small_patches_add_up_to_whole_parts_and_a_valid_blob(
    location: S3Location, bucket: Any
) -> None:
    (store,) = stores(location, 1)
    data = os.urandom(2 * PART + 12345)
    step = 256 << 10
    patches = [data[start : start + step] for start in range(0, len(data), step)]

    async def upload() -> None:
        await store.start_upload("u1")
        for patch in patches:  # each its own PATCH: a writer, closed
            await append(store, "u1", patch)
        assert await store.upload_size("u1") == len(data)
        await store.commit_upload("u1", digest_of(data))

    asyncio.run(upload())
    assert asyncio.run(collect(store.stream(digest_of(data), 0, len(data)))) == data
    assert keys(bucket, "docker/registry/v2/uploads/") == []
    assert bucket("list_multipart_uploads").get("Uploads", []) == []
    store.close()


def test_a_long_patch_sends_whole_parts_while_it_arrives(location: S3Location, bucket: Any) -> None:
    (store,) = stores(location, 1)

    async def three_parts_without_closing() -> None:
        await store.start_upload("u1")
        writer = store.upload_writer("u1")
        for _ in range(3 * PART // (1 << 20)):
            writer.append(os.urandom(1 << 20))
            await writer.drain()

    asyncio.run(three_parts_without_closing())
    (multipart,) = bucket("list_multipart_uploads")["Uploads"]
    parts = bucket("list_parts", Key=multipart["Key"], UploadId=multipart["UploadId"])["Parts"]
    assert [part["Size"] for part in parts] == [PART, PART, PART]
    store.close()


def test_another_replica_continues_an_upload_and_unacknowledged_bytes_are_not_counted(
    location: S3Location,
) -> None:
    first, second = stores(location, 2)
    data = os.urandom(3 * PART + 999)
    acknowledged = PART + 4321

    async def upload() -> None:
        await first.start_upload("u1")
        await append(first, "u1", data[:acknowledged])
        crashed = first.upload_writer("u1")  # a replica killed mid-PATCH: never closed
        crashed.append(os.urandom(PART + 10))
        await crashed.drain()
        assert await second.upload_size("u1") == acknowledged
        await append(second, "u1", data[acknowledged:])
        assert await collect(second.read_upload("u1")) == data
        await second.commit_upload("u1", digest_of(data))

    asyncio.run(upload())
    assert asyncio.run(first.read(digest_of(data))) == data
    first.close()
    second.close()


def test_an_upload_continued_after_chunk_size_shrank_loses_nothing(location: S3Location) -> None:
    before = S3BlobStore(dataclasses.replace(location, chunk_size=2 * PART))
    after = S3BlobStore(location)
    data = os.urandom(3 * PART)
    kept = PART + PART // 2  # a whole part under the new size, still segments under the old

    async def upload() -> None:
        await before.start_upload("u1")
        await append(before, "u1", data[:kept])
        await append(after, "u1", data[kept:])
        assert await after.upload_size("u1") == len(data)
        await after.commit_upload("u1", digest_of(data))

    asyncio.run(upload())
    assert asyncio.run(after.read(digest_of(data))) == data
    before.close()
    after.close()


def test_blobs_are_kept_under_the_root_directory_at_distributions_paths(
    location: S3Location, bucket: Any
) -> None:
    store = S3BlobStore(dataclasses.replace(location, root_directory="/registry/"))
    data = b"layer bytes"
    hex_ = digest_of(data).removeprefix("sha256:")
    asyncio.run(store.write(digest_of(data), data))
    assert keys(bucket) == [f"registry/docker/registry/v2/blobs/sha256/{hex_[:2]}/{hex_}/data"]
    store.close()


@pytest.mark.parametrize(
    ("encrypt", "key_id", "expected"),
    [(True, "", "AES256"), (True, "alias/registry", "aws:kms"), (False, "alias/registry", None)],
)
def test_encrypt_and_key_id_encrypt_every_blob_however_it_was_written(
    location: S3Location, bucket: Any, encrypt: bool, key_id: str, expected: str | None
) -> None:
    store = S3BlobStore(dataclasses.replace(location, encrypt=encrypt, key_id=key_id))
    small, large = b"small", os.urandom(PART + 1)

    async def write_both() -> None:
        await store.write(digest_of(small), small)
        await store.start_upload("u1")
        await append(store, "u1", large)
        await store.commit_upload("u1", digest_of(large))

    asyncio.run(write_both())
    for key in keys(bucket):
        head = bucket("head_object", Key=key)
        assert head.get("ServerSideEncryption") == expected
        assert head.get("SSEKMSKeyId", "") == (key_id if encrypt else "")
    store.close()


def test_a_redirect_url_is_signed_and_the_plain_url_is_refused(location: S3Location) -> None:
    (store,) = stores(location, 1)
    data = b"signed"
    asyncio.run(store.write(digest_of(data), data))
    url = store.redirect_url(digest_of(data))
    assert url is not None and "X-Amz-Signature=" in url
    assert httpx.get(url).content == data
    assert httpx.get(url.partition("?")[0]).status_code == 403
    store.close()


class Flaky(http.server.ThreadingHTTPServer):
    """Answers the first `failures` requests 503, as a busy S3 may, and passes the rest to
    moto unchanged (the Host header too: the signature covers it)."""

    def __init__(self, upstream: int, failures: int) -> None:
        super().__init__(("127.0.0.1", 0), FlakyHandler)
        self.upstream, self.failures, self.seen = upstream, failures, 0
        self.answers: list[str] = []  # "METHOD path status", in the order answered


class FlakyHandler(http.server.BaseHTTPRequestHandler):
    server: Flaky

    def _relay(self) -> None:
        self.server.seen += 1
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.server.seen <= self.server.failures:
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            self.server.answers.append(f"{self.command} {self.path} 503")
            return
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream)
        upstream.request(self.command, self.path, body, dict(self.headers))
        answer = upstream.getresponse()
        payload = answer.read()
        self.send_response(answer.status)
        for name, value in answer.getheaders():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
        upstream.close()
        self.server.answers.append(f"{self.command} {self.path} {answer.status}")

    do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _relay

    def log_message(self, format: str, *args: Any) -> None:
        return None


def test_transient_failures_are_retried_and_not_counted_as_errors(
    moto: MotoServer, location: S3Location
) -> None:
    flaky = Flaky(moto.port, failures=2)
    threading.Thread(target=flaky.serve_forever, daemon=True).start()
    metrics = Metrics()
    s3 = S3BlobStore(
        dataclasses.replace(location, endpoint=f"http://127.0.0.1:{flaky.server_port}")
    )
    store = MeteredBlobStore(s3, metrics)
    asyncio.run(store.write(digest_of(b"x"), b"x"))
    assert flaky.seen == 3, flaky.answers
    assert asyncio.run(store.read(digest_of(b"x"))) == b"x"
    assert metrics.samples[STORAGE_ERRORS.name] == {}
    flaky.shutdown()
    flaky.server_close()
    s3.close()


def test_a_missing_bucket_is_named_and_counted_as_a_storage_error(moto: MotoServer) -> None:
    metrics = Metrics()
    s3 = S3BlobStore(moto.location("no-such-bucket"))
    store = MeteredBlobStore(s3, metrics)
    with pytest.raises(StorageUnavailable, match=r"bucket 'no-such-bucket' .* does not exist"):
        asyncio.run(store.write(digest_of(b"x"), b"x"))
    assert metrics.samples[STORAGE_ERRORS.name] == {("write", "StorageUnavailable"): [1.0]}
    s3.close()


def test_an_endpoint_nobody_answers_is_unavailable_not_missing(location: S3Location) -> None:
    nowhere = dataclasses.replace(location, endpoint=f"http://127.0.0.1:{free_port()}")
    store = S3BlobStore(nowhere)
    with pytest.raises(StorageUnavailable, match="cannot be used now"):
        asyncio.run(store.exists(digest_of(b"x")))
    store.close()
