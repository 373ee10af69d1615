"""A CloudFront stand-in: a distribution in front of a bucket on moto that serves an object
only to a canned-policy signed URL, checked as CloudFront checks it: the policy rebuilt from
the URL and Expires, its signature verified (RSA-SHA1) with the public key of the key pair
Key-Pair-Id names, and Expires not yet passed. Anything else is 403.

The policy is written out here as CloudFront documents it, not taken from the registry's code,
so the two are checked against each other."""

import base64
import http.server
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.support.moto import MotoServer

FROM_URL_SAFE = str.maketrans({"-": "+", "_": "=", "~": "/"})
POLICY = '{"Statement":[{"Resource":"%s","Condition":{"DateLessThan":{"AWS:EpochTime":%d}}}]}'


class KeyPair:
    """A CloudFront key pair: its ID, and its private key in PEM as the Secret holds it."""

    def __init__(self) -> None:
        self.id = f"K{uuid.uuid4().hex[:13].upper()}"
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.pem = self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ).decode()


class CloudFrontStandIn(http.server.ThreadingHTTPServer):
    """The distribution of `bucket` on `moto`, trusting `key_pair`. Serves while entered;
    `answers` lists (path, status) in the order answered."""

    def __init__(self, moto: MotoServer, bucket: str, key_pair: KeyPair) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.client: Any = moto.client()
        self.bucket, self.key_pair = bucket, key_pair
        self.answers: list[tuple[str, int]] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def __enter__(self) -> "CloudFrontStandIn":
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()
        self.server_close()
        self.client.close()

    def refusal(self, resource: str, query: dict[str, list[str]]) -> str | None:
        """Why CloudFront would refuse `resource` with this query, or None."""
        try:
            expires = int(query["Expires"][0])
            signature = base64.b64decode(query["Signature"][0].translate(FROM_URL_SAFE))
            pair = query["Key-Pair-Id"][0]
        except (KeyError, ValueError):
            return "not a canned-policy signed URL"
        if pair != self.key_pair.id:
            return f"unknown key pair {pair}"
        if expires <= time.time():
            return "expired"
        policy = (POLICY % (resource, expires)).encode()
        try:
            public = self.key_pair.private_key.public_key()
            public.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())
        except InvalidSignature:
            return "the signature does not match"
        return None


class _Handler(http.server.BaseHTTPRequestHandler):
    server: CloudFrontStandIn

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        resource = self.server.base_url.rstrip("/") + url.path
        refused = self.server.refusal(resource, parse_qs(url.query))
        if refused is None:
            key = url.path.lstrip("/")
            body = self.server.client.get_object(Bucket=self.server.bucket, Key=key)["Body"].read()
            self._answer(200, body, "application/octet-stream")
        else:
            self._answer(403, f"AccessDenied: {refused}".encode(), "text/plain")
        self.server.answers.append((url.path, 200 if refused is None else 403))

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None
