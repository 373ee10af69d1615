"""Credentials per registry host, so that every request the bench makes is authorized.

moorage requires them (a JWT from its token endpoint, per repository, fetched
with an API token as the Basic password, as podman does); distribution runs
open, or with htpasswd. `AuthorizedConnection` adds the header for the
repository its request path names.
"""

import base64
import http.client
import json
import re
import time
import urllib.parse
from dataclasses import dataclass, field

from blobs import MiB

REPOSITORY = re.compile(r"^/v2/(.+?)/(?:blobs|manifests|tags|referrers)/")
JWT_REUSE_SECONDS = 240.0  # moorage's registry tokens last 300 s


class Credentials:
    """No credentials: the server is open."""

    def authorization(self, repo: str) -> str | None:
        return None

    def creds(self) -> str | None:
        """USER:PASSWORD for skopeo's --creds, when the server needs any."""
        return None


@dataclass
class BasicCredentials(Credentials):
    user: str
    password: str

    def authorization(self, repo: str) -> str | None:
        raw = f"{self.user}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    def creds(self) -> str | None:
        return f"{self.user}:{self.password}"


@dataclass
class RegistryTokens(Credentials):
    """Docker token auth: a JWT per repository from the realm, reused until near expiry."""

    host: str
    api_token: str
    actions: str = "pull,push,delete"
    _cache: dict[str, tuple[float, str]] = field(default_factory=dict)

    def authorization(self, repo: str) -> str | None:
        cached = self._cache.get(repo)
        if cached is None or cached[0] < time.monotonic():
            self._cache[repo] = (time.monotonic() + JWT_REUSE_SECONDS, self.fetch(repo))
        return "Bearer " + self._cache[repo][1]

    def fetch(self, repo: str) -> str:
        query = urllib.parse.urlencode(
            {"service": self.host, "scope": f"repository:{repo}:{self.actions}"}
        )
        conn = http.client.HTTPConnection(self.host, timeout=30)
        basic = base64.b64encode(f"bench:{self.api_token}".encode()).decode()
        conn.request(
            "GET", f"/openshift/token?{query}", headers={"Authorization": f"Basic {basic}"}
        )
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        if resp.status != 200:
            raise RuntimeError(f"token from {self.host}: {resp.status} {body[:200]!r}")
        return json.loads(body)["token"]

    def creds(self) -> str | None:
        return f"bench:{self.api_token}"


OPEN = Credentials()
REGISTERED: dict[str, Credentials] = {}


def for_host(host: str) -> Credentials:
    return REGISTERED.get(host, OPEN)


class AuthorizedConnection(http.client.HTTPConnection):
    """An HTTPConnection that authorizes each request for the repository in its path."""

    def putrequest(self, method: str, url: str, *args: object, **kwargs: object) -> None:
        super().putrequest(method, url, *args, **kwargs)  # type: ignore[arg-type]
        found = REPOSITORY.match(urllib.parse.urlsplit(url).path)
        header = for_host(f"{self.host}:{self.port}").authorization(found.group(1) if found else "")
        if header:
            self.putheader("Authorization", header)


def connect(host: str) -> http.client.HTTPConnection:
    return AuthorizedConnection(host, timeout=300, blocksize=MiB)
