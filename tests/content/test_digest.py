"""Digests: `algorithm:hex`, sha256 and sha512 only, lowercase hex of the exact length."""

import hashlib

import pytest

from moorage.content.digest import Digest, is_digest
from moorage.content.errors import DigestInvalid

SHA256 = "sha256:" + hashlib.sha256(b"abc").hexdigest()
SHA512 = "sha512:" + hashlib.sha512(b"abc").hexdigest()


@pytest.mark.parametrize("text", [SHA256, SHA512])
def test_a_valid_digest_parses_into_algorithm_and_hex(text: str) -> None:
    digest = Digest.parse(text)
    assert f"{digest.algorithm}:{digest.hex}" == text
    assert str(digest) == text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "sha256",
        "sha256:",
        ":" + "0" * 64,
        "md5:" + "0" * 32,
        "sha384:" + "0" * 96,
        "sha256:" + "0" * 63,
        "sha256:" + "0" * 65,
        "sha256:" + "A" * 64,
        "sha256:" + "g" * 64,
        "SHA256:" + "0" * 64,
        "sha512:" + "0" * 64,
        "sha256:" + "0" * 64 + "\n",
        "sha256 :" + "0" * 64,
        "x" * 300,
    ],
)
def test_a_malformed_or_unsupported_digest_is_refused(text: str) -> None:
    with pytest.raises(DigestInvalid) as raised:
        Digest.parse(text)
    assert raised.value.code == "DIGEST_INVALID"


def test_of_hashes_bytes_with_the_named_algorithm() -> None:
    assert str(Digest.of(b"abc")) == SHA256
    assert str(Digest.of(b"abc", "sha512")) == SHA512


def test_the_hasher_matches_the_algorithm() -> None:
    hasher = Digest.parse(SHA512).hasher()
    hasher.update(b"abc")
    assert hasher.hexdigest() == Digest.parse(SHA512).hex


def test_digests_are_values() -> None:
    assert Digest.parse(SHA256) == Digest.of(b"abc")
    assert len({Digest.parse(SHA256), Digest.of(b"abc")}) == 1


@pytest.mark.parametrize(
    ("reference", "expected"), [(SHA256, True), ("latest", False), ("v1.2_3-rc", False)]
)
def test_a_reference_with_a_colon_is_a_digest_and_otherwise_a_tag(
    reference: str, expected: bool
) -> None:
    assert is_digest(reference) is expected
