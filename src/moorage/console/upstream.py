"""The console's way to the API: HTTP to the server's own API listener, with the user's token.

The console reads nothing from the store itself: every page is what the API answers the
user's own token, so what the console shows and refuses is exactly what the CLI would.
"""

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from moorage.resources.objects import Object

# A listener on every address is reached on loopback.
WILDCARDS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


class Refused(Exception):
    """The API answered with a failure: its status code, reason and message, as it said them."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


@dataclass(frozen=True)
class Listener:
    """Where the API listens, and what its certificate is signed by when it serves TLS."""

    host: str
    port: int
    trust: Path | None = None  # the API's CA, or its own certificate; None: plain HTTP

    @property
    def url(self) -> str:
        host = WILDCARDS.get(self.host, self.host)
        host = f"[{host}]" if ":" in host else host
        return f"{'https' if self.trust else 'http'}://{host}:{self.port}"

    def ssl_context(self) -> ssl.SSLContext | None:
        if self.trust is None:
            return None
        context = ssl.create_default_context(cafile=self.trust)
        # The console calls its own listener at a loopback address that the certificate need
        # not name; only the server's own CA (or certificate, pinned) is trusted.
        context.check_hostname = False
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        return context


class Upstream:
    """One HTTP client session to the API, shared by every console request."""

    def __init__(self, listener: Listener) -> None:
        self.base = listener.url
        connector = aiohttp.TCPConnector(ssl=listener.ssl_context() or True)
        self.session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=30)
        )

    async def close(self) -> None:
        await self.session.close()


class Api:
    """The API as one user sees it: every call carries that user's bearer token."""

    def __init__(self, upstream: Upstream, token: str) -> None:
        self._upstream, self._token = upstream, token

    async def get(self, path: str, params: dict[str, str] | None = None) -> Object:
        return await self._call("GET", path, params)

    async def delete(self, path: str) -> Object:
        return await self._call("DELETE", path, None)

    async def _call(self, method: str, path: str, params: dict[str, str] | None) -> Object:
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "application/json"}
        async with self._upstream.session.request(
            method, self._upstream.base + path, params=params, headers=headers
        ) as response:
            body = await body_of(response)
            if response.status >= 400:
                raise refusal(response.status, body)
            return body


async def body_of(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        return None


def refusal(status: int, body: Any) -> Refused:
    """The API's Status failure, or the status line when the body is none."""
    if isinstance(body, dict) and body.get("kind") == "Status":
        return Refused(status, str(body.get("reason") or ""), str(body.get("message") or ""))
    return Refused(status, "", f"the API answered {status}")
