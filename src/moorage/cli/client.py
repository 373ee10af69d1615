"""An HTTP client of the API: JSON in and out, and every failure as one CliError line."""

import json
from collections.abc import Iterator
from typing import Any

import httpx

from moorage.cli.errors import CliError

Object = dict[str, Any]
DEFAULT_TIMEOUT = 30.0
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"


class ApiError(CliError):
    """The server answered with a Status failure."""

    def __init__(self, reason: str, message: str, code: int, details: Object) -> None:
        super().__init__(f"{message} ({reason})" if reason else message)
        self.reason, self.status_code, self.details = reason, code, details
        self.message = message


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


class ApiClient:
    def __init__(self, server: str, timeout: float | None = None) -> None:
        self.server = server.rstrip("/")
        self._http = httpx.Client(
            base_url=self.server,
            timeout=timeout or DEFAULT_TIMEOUT,
            headers={"Accept": "application/json", "User-Agent": "moorage-cli"},
        )

    def close(self) -> None:
        self._http.close()

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
        try:
            response = self._http.request(
                method, path, content=content, headers=headers, params=params
            )
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None
        if response.status_code >= 400:
            raise _status_error(response)
        try:
            return response.json()
        except ValueError:
            raise CliError(f"the server's answer to {method} {path} is not JSON") from None

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
        query = {**params, "watch": "1"}
        try:
            with self._http.stream("GET", path, params=query, timeout=None) as response:
                if response.status_code >= 400:
                    response.read()
                    raise _status_error(response)
                for line in response.iter_lines():
                    if line.strip():
                        yield json.loads(line)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from None

    def _unreachable(self, exc: httpx.TransportError) -> CliError:
        if isinstance(exc, httpx.TimeoutException):
            return CliError(f"the server at {self.server} did not answer in time")
        reason = str(exc) or type(exc).__name__
        return CliError(f"the server at {self.server} is unreachable: {reason}")
