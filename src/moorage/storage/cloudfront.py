"""CloudFront signed URLs with a canned policy, as distribution's cloudfront storage middleware
makes them for blob GETs: the distribution's base URL and the object's key, valid for a
duration, signed with the key pair's private key (RSA-SHA1), made locally without a call.

A canned policy is not sent: CloudFront rebuilds it from the URL and Expires, and checks the
Signature with the public key Key-Pair-Id names.
"""

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from functools import lru_cache

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

DEFAULT_DURATION = 20 * 60.0  # seconds, as distribution's middleware
# CloudFront's URL-safe base64: these three characters are not allowed in a query.
URL_SAFE = str.maketrans({"+": "-", "=": "_", "/": "~"})


class NotAnRsaKey(ValueError):
    """A PEM that is not an RSA private key."""


@dataclass(frozen=True)
class CloudFront:
    base_url: str  # the distribution's URL, the bucket's keys under it
    key_pair_id: str
    private_key: str = ""  # PEM; never in the repr (logs), only a digest that changes with it
    duration: float = DEFAULT_DURATION

    def __repr__(self) -> str:
        key = hashlib.sha256(self.private_key.encode()).hexdigest()
        return (
            f"CloudFront(base_url={self.base_url!r}, key_pair_id={self.key_pair_id!r}, "
            f"duration={self.duration}, private key sha256 {key})"
        )

    def signed_url(self, key: str, now: float | None = None) -> str:
        """The URL of the object at `key`, valid for `duration` seconds from `now`."""
        url = f"{self.base_url.rstrip('/')}/{key.lstrip('/')}"
        expires = int((time.time() if now is None else now) + self.duration)
        signature = sign(canned_policy(url, expires), load_private_key(self.private_key))
        return f"{url}?Expires={expires}&Signature={signature}&Key-Pair-Id={self.key_pair_id}"


def canned_policy(url: str, expires: int) -> bytes:
    """The policy CloudFront rebuilds for a canned-policy URL, byte for byte."""
    statement = {"Resource": url, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
    return json.dumps({"Statement": [statement]}, separators=(",", ":")).encode()


def sign(policy: bytes, key: rsa.RSAPrivateKey) -> str:
    signature = key.sign(policy, padding.PKCS1v15(), hashes.SHA1())
    return base64.b64encode(signature).decode().translate(URL_SAFE)


@lru_cache(maxsize=4)
def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    """The RSA private key in `pem`, or NotAnRsaKey; parsed once per key."""
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise NotAnRsaKey("it is not a private key in PEM without a passphrase") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise NotAnRsaKey("it is not an RSA private key, as CloudFront key pairs are")
    return key
