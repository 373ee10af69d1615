"""Registry v2 reads from another registry: manifests, tags, blobs, each bounded.

HTTPS first; a registry that answers only plain HTTP is used that way when the import is
insecure (which also skips certificate checks), and refused with OpenShift's words when
not. A 401 is answered once: with a token from the challenge's realm (the credentials as
Basic auth there, or anonymously) or with Basic credentials.
"""

import base64
import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from moorage.content import mediatypes as mt
from moorage.content.digest import Digest, is_digest
from moorage.content.errors import DigestInvalid
from moorage.content.manifest import MAX_MANIFEST_BYTES
from moorage.upstream.addresses import NEVER, inwardness
from moorage.upstream.allowance import Allowance
from moorage.upstream.challenges import Challenge, parse_challenge
from moorage.upstream.credentials import Credentials
from moorage.upstream.errors import (
    HttpOnly,
    UpstreamForbidden,
    UpstreamNotFound,
    UpstreamThrottled,
    UpstreamUnauthorized,
    UpstreamUnavailable,
)
from moorage.upstream.reach import Reach
from moorage.upstream.references import DockerReference

ACCEPT = ", ".join([mt.OCI_MANIFEST, mt.OCI_INDEX, mt.DOCKER_MANIFEST, mt.DOCKER_MANIFEST_LIST])
MAX_TAGS_BYTES = 4 * 1024 * 1024
MAX_TOKEN_BYTES = 1024 * 1024
MAX_ERROR_BYTES = 64 * 1024
BLOB_CHUNK = 1 << 20
# However slowly a registry trickles an answer, an import waits no longer than this for it.
RESPONSE_SECONDS = 120.0
# Why a host may not be called (the cluster's blocked registries), or None.
Refusal = Callable[[str], str | None]
# What httpx raises for a registry that fails, or names (a redirect, a realm) no usable URL.
_FAILURES = (httpx.HTTPError, httpx.InvalidURL, UnicodeError)


@dataclass(frozen=True)
class Fetched:
    body: bytes
    media_type: str
    digest: str


class RegistryClient:
    """One registry, for one import: `with RegistryClient(...) as upstream: ...`.

    `refusal` is asked of every host a request goes to: the registry's own, a token realm's
    and every redirect's, so a registry cannot send the import where the rules forbid."""

    def __init__(
        self,
        host: str,
        reach: Reach,
        credentials: Credentials | None,
        insecure: bool,
        response_seconds: float = RESPONSE_SECONDS,
        refusal: Refusal = lambda _: None,
        allowance: Allowance | None = None,
    ) -> None:
        """`allowance`: the time and bytes every answer is taken from (none: no bounds)."""
        self.host, self._credentials, self._insecure = host, credentials, insecure
        self._response_seconds, self._refusal = response_seconds, refusal
        self._allowance = allowance or Allowance()
        self._http = reach.client(verify=not insecure, on_request=self._refuse_forbidden)
        self._base: str | None = None
        self._authorization: dict[str, str] = {}  # scope -> Authorization header
        self._inwardness: int | None = None  # the registry's own, once asked

    def __enter__(self) -> "RegistryClient":
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()

    def manifest(self, image: DockerReference, reference: str) -> Fetched:
        url = f"/v2/{image.path}/manifests/{reference}"
        response, body = self._get(image, url, {"Accept": ACCEPT}, MAX_MANIFEST_BYTES)
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        digest = "sha256:" + hashlib.sha256(body).hexdigest()
        if is_digest(reference) and not _names(reference, body):
            raise UpstreamUnavailable(f"{image.host} sent a manifest for {reference} of {digest}")
        return Fetched(body, media_type, digest)

    def tags(self, image: DockerReference) -> list[str]:
        _, body = self._get(image, f"/v2/{image.path}/tags/list", {}, MAX_TAGS_BYTES)
        try:
            tags = httpx.Response(200, content=body).json().get("tags") or []
        except (ValueError, AttributeError):
            raise UpstreamUnavailable(f"{image.host} sent a tag list that is not JSON") from None
        return [t for t in tags if isinstance(t, str)]

    def blob(self, image: DockerReference, digest: str, limit: int) -> bytes:
        _, body = self._get(image, f"/v2/{image.path}/blobs/{digest}", {}, limit)
        if "sha256:" + hashlib.sha256(body).hexdigest() != digest:
            raise UpstreamUnavailable(f"{image.host} sent a blob that is not {digest}")
        return body

    def blob_stream(self, image: DockerReference, digest: str) -> Iterator[bytes]:
        """The blob's bytes as they arrive, unverified (the caller hashes them); bounded in
        time only between chunks (the client's read timeout), since layers may be large."""
        with self._blob_answer("GET", image, digest) as response:
            yield from response.iter_bytes(BLOB_CHUNK)

    def stat_blob(self, image: DockerReference, digest: str) -> None:
        """Nothing when the registry has the blob (a HEAD); UpstreamNotFound when not."""
        with self._blob_answer("HEAD", image, digest):
            pass

    @contextmanager
    def _blob_answer(
        self, method: str, image: DockerReference, digest: str
    ) -> Iterator[httpx.Response]:
        """The registry's 200 to `method` on the blob, its body unread (a 401 answered once)."""
        path = f"/v2/{image.path}/blobs/{digest}"
        scope = f"repository:{image.path}:pull"
        for attempt in range(2):
            url = f"{self._base or self._choose_base()}{path}"
            try:
                with self._http.stream(method, url, headers=self._auth_header(scope)) as response:
                    if response.status_code == 401 and attempt == 0:
                        self._answer(response.headers.get("www-authenticate", ""), scope)
                        continue
                    self._check(response, image, path)
                    yield response
                    return
            except _FAILURES as exc:
                raise UpstreamUnavailable(f"cannot reach {self.host}: {_reason(exc)}") from None

    # -- requests ----------------------------------------------------------------------

    def _get(
        self, image: DockerReference, path: str, headers: dict[str, str], limit: int
    ) -> tuple[httpx.Response, bytes]:
        scope = f"repository:{image.path}:pull"
        response, body = self._send(path, headers, scope, limit)
        if response.status_code == 401:
            self._answer(response.headers.get("www-authenticate", ""), scope)
            response, body = self._send(path, headers, scope, limit)
        self._check(response, image, path)
        return response, body

    def _check(self, response: httpx.Response, image: DockerReference, path: str) -> None:
        """Nothing for a 200; otherwise the error the status stands for."""
        status = response.status_code
        if status in (401, 403):
            raise UpstreamUnauthorized(f'you may not have access to the container image "{image}"')
        if status == 404:
            raise UpstreamNotFound(f'dockerimage.image.openshift.io "{image}" not found')
        if status == 429:
            raise UpstreamThrottled(f"{self.host} answered 429 Too Many Requests to GET {path}")
        if status != 200:
            raise UpstreamUnavailable(f"{self.host} answered {status} to GET {path}")

    def _send(
        self, path: str, headers: dict[str, str], scope: str, limit: int
    ) -> tuple[httpx.Response, bytes]:
        base = self._base or self._choose_base()
        sent = {**headers, **self._auth_header(scope)}
        return self._read(f"{base}{path}", sent, limit)

    def _auth_header(self, scope: str) -> dict[str, str]:
        found = self._authorization.get(scope) or self._authorization.get("")
        return {"Authorization": found} if found else {}

    def _read(
        self, url: str, headers: dict[str, str], limit: int, auth: httpx.BasicAuth | None = None
    ) -> tuple[httpx.Response, bytes]:
        try:
            return self._bounded_get(url, headers, limit, auth)
        except _FAILURES as exc:
            raise UpstreamUnavailable(f"cannot reach {self.host}: {_reason(exc)}") from None

    def _bounded_get(
        self, url: str, headers: dict[str, str], limit: int, auth: httpx.BasicAuth | None = None
    ) -> tuple[httpx.Response, bytes]:
        seconds = min(self._response_seconds, self._allowance.seconds_before(url))
        with self._http.stream("GET", url, headers=headers, auth=auth) as response:
            cap = limit if response.status_code == 200 else MAX_ERROR_BYTES
            body = _bounded(response, cap, url, seconds)
        self._allowance.spend(len(body), url)
        return response, body

    def _choose_base(self) -> str:
        """https, unless the registry speaks only http and the import may use it."""
        try:
            self._bounded_get(f"https://{self.host}/v2/", {}, MAX_ERROR_BYTES)
            self._base = f"https://{self.host}"
        except _FAILURES as exc:
            if not self._speaks_http():
                raise UpstreamUnavailable(f"cannot reach {self.host}: {_reason(exc)}") from None
            if not self._insecure:
                raise HttpOnly(
                    f"the repository {self.host} is HTTP only and requires the insecure "
                    "flag to import"
                ) from None
            self._base = f"http://{self.host}"
        return self._base

    def _speaks_http(self) -> bool:
        """Whether a registry answers on plain HTTP (a TLS server's 400 to it is no answer)."""
        try:
            response, _ = self._bounded_get(f"http://{self.host}/v2/", {}, MAX_ERROR_BYTES)
        except _FAILURES:
            return False
        return response.status_code in (200, 401)

    def _refuse_forbidden(self, request: httpx.Request) -> None:
        host = request.url.netloc.decode()
        refused = self._refusal(host)
        if refused is not None:
            raise UpstreamForbidden(f"{self.host} sent the import to {host}, which {refused}")
        if host != self.host and self._further_inside(request.url.host):
            raise UpstreamForbidden(
                f"{self.host} sent the import to {host}, an address further inside the "
                "network than the registry itself, which is not followed"
            )

    def _further_inside(self, host: str) -> bool:
        """Whether `host` (a redirect's, a token realm's) reaches further inside the network
        than the registry does (upstream/addresses.py)."""
        if self._inwardness is None:
            self._inwardness = inwardness(httpx.URL(f"//{self.host}").host)
        target = inwardness(host)
        return target == NEVER or target > self._inwardness

    # -- authentication ----------------------------------------------------------------

    def _answer(self, header: str, scope: str) -> None:
        challenge = parse_challenge(header)
        if challenge is None:
            return
        if challenge.scheme == "basic":
            if self._credentials is not None:
                self._authorization[""] = _basic(self._credentials)
            return
        self._authorization[scope] = "Bearer " + self._token(challenge, scope)

    def _token(self, challenge: Challenge, scope: str) -> str:
        realm = challenge.params.get("realm")
        if not realm:
            raise UpstreamUnavailable(f"{self.host} asked for a token without saying where")
        params = {"scope": challenge.params.get("scope") or scope}
        if challenge.params.get("service"):
            params["service"] = challenge.params["service"]
        auth = None
        if self._credentials is not None:
            auth = httpx.BasicAuth(self._credentials.username, self._credentials.password)
        try:
            url = str(httpx.URL(realm).copy_merge_params(params))
        except httpx.InvalidURL:
            raise UpstreamUnavailable(f"{self.host} named a token realm that is no URL") from None
        response, body = self._read(url, {}, MAX_TOKEN_BYTES, auth)
        if response.status_code in (401, 403):
            raise UpstreamUnauthorized(f"{self.host} refused the credentials for a token")
        try:
            answer = httpx.Response(200, content=body).json()
            token = answer.get("token") or answer.get("access_token")
        except (ValueError, AttributeError):
            token = None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            raise UpstreamUnavailable(f"{realm} gave no token ({response.status_code})")
        return token


def _basic(credentials: Credentials) -> str:
    pair = f"{credentials.username}:{credentials.password}".encode()
    return "Basic " + base64.b64encode(pair).decode()


def _bounded(response: httpx.Response, limit: int, url: str, seconds: float) -> bytes:
    """The body, refused when larger than `limit` or slower in coming than `seconds`."""
    declared = response.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise UpstreamUnavailable(f"{url} is larger than {limit} bytes")
    deadline = time.monotonic() + seconds
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > limit:
            raise UpstreamUnavailable(f"{url} is larger than {limit} bytes")
        if time.monotonic() > deadline:
            raise UpstreamUnavailable(f"{url} took more than {seconds:g} s to arrive")
    return bytes(body)


def _names(reference: str, body: bytes) -> bool:
    """Whether `body` has the digest `reference` (in an algorithm this registry knows)."""
    try:
        algorithm = Digest.parse(reference).algorithm
    except DigestInvalid:
        return False
    return str(Digest.of(body, algorithm)) == reference


def _reason(exc: Exception) -> str:
    return str(exc) or type(exc).__name__
