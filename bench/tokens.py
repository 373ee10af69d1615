"""The cost of issuing and verifying one registry token: HS256 as built, against ES256.

    .venv/bin/python bench/tokens.py [--tokens 20000]
    python3 bench/tokens.py          # a Python with `cryptography` also measures ES256

Needs nothing of moorage but auth/registry_tokens.py (standard library only), so
any Python 3.11 can run it. Prints microseconds per token for: issuing (HS256),
verifying a token seen for the first time (HS256), verifying one seen before
(the per-worker cache: what every request after the first pays), and, when
the `cryptography` package is importable, signing and verifying the same
claims with ES256 (P-256), the usual asymmetric choice.
"""

import argparse
import base64
import hashlib
import json
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from moorage.auth.registry_tokens import (
    Access,
    RegistryTokens,
    check_claims,
    decode,
)

SERVICE = "registry.example:5000"
SCOPES = [Access("repository", "project/app", ("pull", "push"))]


class FixedKeys:
    def __init__(self) -> None:
        self.kid, self.secret = "0123456789abcdef", secrets.token_bytes(32)

    def signing(self) -> tuple[str, bytes]:
        return self.kid, self.secret

    def key(self, kid: str) -> bytes | None:
        return self.secret if kid == self.kid else None

    known = key


def per_call(count: int, work: Callable[[int], object]) -> float:
    """Microseconds per call of `work(i)`, best of three runs."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for i in range(count):
            work(i)
        best = min(best, (time.perf_counter() - started) / count * 1e6)
    return best


def hs256(count: int) -> dict[str, float]:
    keys = FixedKeys()
    issuer = RegistryTokens(keys)
    tokens = [issuer.issue("alice", SERVICE, SCOPES).token for _ in range(count)]
    now = time.time()
    issuer.verify(tokens[0])
    return {
        "HS256 issue": per_call(count, lambda _i: issuer.issue("alice", SERVICE, SCOPES)),
        "HS256 verify, first time": per_call(
            count, lambda i: check_claims(decode(tokens[i], keys.key), now)
        ),
        "HS256 verify, cached": per_call(count, lambda _i: issuer.verify(tokens[0])),
    }


def es256(count: int) -> dict[str, float]:
    try:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
    except ImportError:
        return {}
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key()
    header = base64.urlsafe_b64encode(b'{"alg":"ES256","typ":"JWT","kid":"k"}').rstrip(b"=")
    claims = {"iss": "x", "sub": "alice", "aud": SERVICE, "access": [a.claim() for a in SCOPES]}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=")
    signed = header + b"." + payload
    signature = private.sign(signed, ec.ECDSA(hashes.SHA256()))

    def verify(_i: int) -> None:
        public.verify(signature, signed, ec.ECDSA(hashes.SHA256()))
        json.loads(base64.urlsafe_b64decode(payload + b"=="))

    return {
        "ES256 sign": per_call(count, lambda _i: private.sign(signed, ec.ECDSA(hashes.SHA256()))),
        "ES256 verify (signature and payload only)": per_call(count, verify),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=20_000)
    count = parser.parse_args().tokens
    results = {**hs256(count), **es256(count // 4)}
    print(f"python {sys.version.split()[0]}, {hashlib.sha256.__module__}")
    for name, micros in results.items():
        print(f"{name:45s} {micros:8.2f} us")
    if not any(name.startswith("ES256") for name in results):
        print("ES256: the cryptography package is not importable here")


if __name__ == "__main__":
    main()
