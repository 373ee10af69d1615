"""An HTTP client of the API: JSON in and out, and every failure as one CliError line.

Every request carries the caller's credentials: `Authorization: Bearer TOKEN`
and, when impersonating (--as, --as-group), the Impersonate-User and
Impersonate-Group headers, as kubectl sends them.
"""

import json
import ssl
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from moorage.cli.errors import CliError
from moorage.cli.trust import tls_failure
from moorage.resources.objects import Object

DEFAULT_TIMEOUT = 30.0
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"


UNAUTHORIZED = "You must be logged in to the server (Unauthorized)"


class ApiError(CliError):
    """The server answered with a Status failure."""

    def __init__(self, reason: str, message: str, code: int, details: Object) -> None:
        super().__init__(_display(reason, message, code))
        self.reason, self.status_code, self.details = reason, code, details
        self.message = message


def _display(reason: str, message: str, code: int) -> str:
    """oc's wording: 401 says to log in; 403 is the server's message as it stands."""
    if code == 401:
        return UNAUTHORIZED
    return f"{message} ({reason})" if reason and code != 403 else message


@dataclass(frozen=True)
class Credentials:
    """Who the requests are from: a bearer token, and whom they impersonate."""

    token: str | None = None
    impersonate_user: str | None = None
    impersonate_groups: tuple[str, ...] = ()

    def headers(self) -> list[tuple[str, str]]:
        if self.impersonate_groups and not self.impersonate_user:
            raise CliError("--as-group needs --as USER: groups are impersonated with a user")
        headers = [("Authorization", f"Bearer {self.token}")] if self.token else []
        if self.impersonate_user:
            headers.append(("Impersonate-User", self.impersonate_user))
        headers += [("Impersonate-Group", group) for group in self.impersonate_groups]
        return headers


def _status_error(response: httpx.Response) -> ApiError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("kind") == "Status":
        return ApiError(
            str(body.get("reason") or ""),
            str(body.get("message") or response.reason_phrase),
            response.status_code,
            body.get("details") or {},
        )
    what = f"{response.request.method} {response.request.url}"
    return ApiError(
        "",
        f"the server answered {response.status_code} {response.reason_phrase} to {what}",
        response.status_code,
        {},
    )


@dataclass(frozen=True)
class Endpoint:
    """Where the API is and how to reach it: what every client of one server shares."""

    server: str
    timeout: float | None = None
    verify: ssl.SSLContext | bool = True  # httpx's: a context with the CA, system CAs, none


class ApiClient:
    def __init__(self, endpoint: Endpoint, credentials: Credentials | None = None) -> None:
        self.server = endpoint.server.rstrip("/")
        headers = httpx.Headers(
            [
                ("Accept", "application/json"),
                ("User-Agent", "moorage-cli"),
                *(credentials or Credentials()).headers(),
            ]
        )
        self._http = httpx.Client(
            base_url=self.server,
            timeout=endpoint.timeout or DEFAULT_TIMEOUT,
            headers=headers,
            verify=endpoint.verify,
            event_hooks={"response": [self._print_warnings]},
        )
        self._warned: set[str] = set()

    def close(self) -> None:
        self._http.close()

    def _print_warnings(self, response: httpx.Response) -> None:
        """Each `Warning: 299 - "text"` the server sends, once, as kubectl prints them."""
        for value in response.headers.get_list("Warning"):
            text = value.split(" ", 2)[-1].strip('"')
            if text not in self._warned:
                self._warned.add(text)
                print(f"Warning: {text}", file=sys.stderr)

    def __enter__(self) -> "ApiClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> Object:
        content = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": content_type} if content is not None else {}
        response = self.send(method, path, content, headers, params)
        if response.status_code >= 400:
            raise _status_error(response)
        try:
            return response.json()
        except ValueError:
            raise CliError(f"the server's answer to {method} {path} is not JSON") from None

    def send(
        self,
        method: str,
        path: str,
        content: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        """One request as it is, redirects not followed; only an unreachable server raises."""
        try:
            return self._http.request(method, path, content=content, headers=headers, params=params)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None

    def get(self, path: str, params: dict[str, str] | None = None) -> Object:
        return self.request("GET", path, params=params)

    def create(self, path: str, obj: Object) -> Object:
        return self.request("POST", path, obj)

    def replace(self, path: str, obj: Object) -> Object:
        return self.request("PUT", path, obj)

    def patch(self, path: str, patch: Any, content_type: str = MERGE) -> Object:
        return self.request("PATCH", path, patch, content_type=content_type)

    def delete(self, path: str) -> Object:
        return self.request("DELETE", path)

    def watch(self, path: str, params: dict[str, str]) -> Iterator[Object]:
        """Watch events (`{"type", "object"}`) until the server ends the stream."""
        with self._streaming(path, {**params, "watch": "1"}) as response:
            for line in response.iter_lines():
                if line.strip():
                    yield json.loads(line)

    def stream(self, path: str, params: dict[str, str]) -> Iterator[bytes]:
        """The body as it comes, until the server ends it (a log, followed or not)."""
        with self._streaming(path, params) as response:
            yield from response.iter_bytes()

    @contextmanager
    def _streaming(self, path: str, params: dict[str, str]) -> Iterator[httpx.Response]:
        """A GET whose answer may take as long as the server streams it."""
        try:
            with self._http.stream("GET", path, params=params, timeout=None) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _status_error(response)
                yield response
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: httpx.TransportError) -> CliError:
        if isinstance(exc, httpx.TimeoutException):
            return CliError(f"the server at {self.server} did not answer in time")
        refused = tls_failure(exc, self.server)
        if refused:
            return CliError(refused)
        reason = str(exc) or type(exc).__name__
        return CliError(f"the server at {self.server} is unreachable: {reason}")
