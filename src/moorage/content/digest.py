"""Content digests (`algorithm:hex`) as the OCI image spec defines them."""

import hashlib
import re
from dataclasses import dataclass

from moorage.content.errors import DigestInvalid

# Algorithms we accept, with the exact hex length each produces.
ALGORITHMS: dict[str, int] = {"sha256": 64, "sha512": 128}
_GRAMMAR = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")


@dataclass(frozen=True, slots=True)
class Digest:
    algorithm: str
    hex: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"

    @classmethod
    def parse(cls, text: str) -> "Digest":
        if len(text) > 256 or not _GRAMMAR.fullmatch(text):
            raise DigestInvalid(f"invalid digest {text[:80]!r}")
        algorithm, _, hex_ = text.partition(":")
        expected = ALGORITHMS.get(algorithm)
        if expected is None:
            raise DigestInvalid(f"unsupported digest algorithm {algorithm!r}")
        if len(hex_) != expected or not all(c in "0123456789abcdef" for c in hex_):
            raise DigestInvalid(f"{algorithm} digest must be {expected} lowercase hex characters")
        return cls(algorithm, hex_)

    @classmethod
    def of(cls, data: bytes, algorithm: str = "sha256") -> "Digest":
        return cls(algorithm, hashlib.new(algorithm, data).hexdigest())

    def hasher(self) -> "hashlib._Hash":
        return hashlib.new(self.algorithm)


def is_digest(reference: str) -> bool:
    """Whether a manifest reference names a digest rather than a tag."""
    return ":" in reference
