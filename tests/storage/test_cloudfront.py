"""An S3 store with a CloudFront distribution redirects blob GETs to canned-policy signed URLs
made locally, which a CloudFront (the stand-in, over a moto bucket) serves while they are
valid and refuses once expired or altered."""

import asyncio
import dataclasses
import os
import time
from collections.abc import Iterator

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from moorage.storage.cloudfront import CloudFront, NotAnRsaKey, load_private_key
from moorage.storage.s3 import S3BlobStore
from tests.storage.test_blob_store_contract import digest_of
from tests.support.cloudfront import CloudFrontStandIn, KeyPair
from tests.support.moto import MotoServer

KEY_PAIR = KeyPair()


@pytest.fixture
def distribution(moto: MotoServer) -> Iterator[CloudFrontStandIn]:
    with CloudFrontStandIn(moto, moto.new_bucket(), KEY_PAIR) as standing_in:
        yield standing_in


@pytest.fixture
def front(distribution: CloudFrontStandIn) -> CloudFront:
    return CloudFront(distribution.base_url, KEY_PAIR.id, KEY_PAIR.pem)


def stored(moto: MotoServer, distribution: CloudFrontStandIn, front: CloudFront) -> S3BlobStore:
    location = dataclasses.replace(moto.location(distribution.bucket), cloud_front=front)
    return S3BlobStore(location)


def test_a_blob_get_goes_to_the_distribution_and_its_signed_url_serves_the_blob(
    moto: MotoServer, distribution: CloudFrontStandIn, front: CloudFront
) -> None:
    store = stored(moto, distribution, front)
    data = os.urandom(5000)
    asyncio.run(store.write(digest_of(data), data))
    url = store.redirect_url(digest_of(data))
    store.close()

    assert url is not None and url.startswith(distribution.base_url + "docker/registry/v2/blobs/")
    assert httpx.get(url).content == data
    expires = int(httpx.URL(url).params["Expires"])
    assert time.time() + 19 * 60 < expires <= time.time() + 20 * 60  # distribution's 20m


def test_an_expired_or_altered_url_is_refused(
    moto: MotoServer, distribution: CloudFrontStandIn, front: CloudFront
) -> None:
    client = moto.client()
    client.put_object(Bucket=distribution.bucket, Key="object", Body=b"bytes")  # type: ignore[attr-defined]
    client.close()  # type: ignore[attr-defined]
    assert httpx.get(front.signed_url("object")).status_code == 200

    expired = front.signed_url("object", now=time.time() - front.duration - 1)
    url = httpx.URL(front.signed_url("object"))
    later = url.copy_set_param("Expires", str(int(url.params["Expires"]) + 3600))
    other_object = url.copy_with(path="/another")
    other_pair = url.copy_set_param("Key-Pair-Id", "KNOTTHEPAIR")
    signature = url.params["Signature"]
    flipped = url.copy_set_param("Signature", ("A" if signature[0] != "A" else "B") + signature[1:])
    stranger = dataclasses.replace(front, private_key=KeyPair().pem).signed_url("object")
    for refused in (expired, later, other_object, other_pair, flipped, stranger):
        answer = httpx.get(refused)
        assert answer.status_code == 403, (refused, answer.text)


def test_the_private_key_is_never_in_the_repr_and_must_be_rsa(front: CloudFront) -> None:
    assert KEY_PAIR.pem not in repr(front)
    assert "private key sha256" in repr(front)
    with pytest.raises(NotAnRsaKey, match="not a private key in PEM"):
        load_private_key("not a key")
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(NotAnRsaKey, match="not an RSA private key"):
        load_private_key(pem.decode())
