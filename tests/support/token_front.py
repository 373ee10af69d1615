"""A registry behind token auth, as Docker Hub and quay.io put theirs: every /v2/ request
without a valid Bearer token is answered 401 with a challenge naming the token endpoint,
which hands tokens out for Basic credentials. Requests with a token are passed on to the
registry behind. Counts the tokens it gave, so a test can see the flow was used, and keeps
the path of every request it passed on; it can hold blob answers back a while (`delay`),
send half of each and wait for a `gate` before the rest, die half-way through them (`cut`),
refuse them as a registry out of patience does (`throttle`: 429), or answer some paths itself
as a hostile registry would (`served`)."""

import asyncio
import base64
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from aiohttp import web

SERVICE = "token-front"


@dataclass
class TokenFront:
    backend: str  # the registry's base URL
    user: str
    password: str
    port: int = 0
    tokens: set[str] = field(default_factory=set)
    scopes: list[str] = field(default_factory=list)  # what each token was asked for
    passed: list[str] = field(default_factory=list)  # paths passed on to the registry
    delay: float = 0.0  # seconds each blob answer waits
    throttle: bool = False
    cut: bool = False  # blob answers stop half-way, the connection closed
    gate: threading.Event | None = None  # when set: a blob's first half, then the rest once open
    served: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # path: (type, body)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/token", self._token)
        app.router.add_route("*", "/v2/{tail:.*}", self._registry)
        return app

    async def _token(self, request: web.Request) -> web.Response:
        expected = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if request.headers.get("Authorization") != f"Basic {expected}":
            return web.json_response({"details": "bad credentials"}, status=401)
        token = secrets.token_hex(16)
        self.tokens.add(token)
        self.scopes.append(request.query.get("scope", ""))
        return web.json_response({"token": token, "expires_in": 300})

    async def _registry(self, request: web.Request) -> web.StreamResponse:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if given not in self.tokens:
            realm = f"http://{self.address}/token"
            challenge = f'Bearer realm="{realm}",service="{SERVICE}"'
            return web.json_response(
                {"errors": [{"code": "UNAUTHORIZED"}]},
                status=401,
                headers={"WWW-Authenticate": challenge},
            )
        if "/blobs/" in request.path and self.throttle:
            return web.json_response({"errors": [{"code": "TOOMANYREQUESTS"}]}, status=429)
        self.passed.append(request.path)
        if "/blobs/" in request.path:
            await asyncio.sleep(self.delay)
        if request.path in self.served:
            media_type, body = self.served[request.path]
            return web.Response(body=body, headers={"Content-Type": media_type})
        accept = {"Accept": request.headers.get("Accept", "*/*")}
        async with httpx.AsyncClient(base_url=self.backend) as client:
            answer = await client.get(request.path_qs, headers=accept)
        kept = ("Content-Type", "Docker-Content-Digest")
        headers = {k: answer.headers[k] for k in kept if k in answer.headers}
        halves = "/blobs/" in request.path and answer.status_code == 200
        if halves and (self.cut or self.gate is not None):
            response = await _first_half(request, answer.content, headers)
            if self.gate is None:  # cut: a registry that died mid-answer
                assert request.transport is not None
                request.transport.close()
                return response
            await asyncio.get_running_loop().run_in_executor(None, self.gate.wait)
            await response.write(answer.content[len(answer.content) // 2 :])
            return response
        return web.Response(status=answer.status_code, body=answer.content, headers=headers)


async def _first_half(
    request: web.Request, body: bytes, headers: dict[str, str]
) -> web.StreamResponse:
    """The whole length announced, the first half of the bytes sent."""
    response = web.StreamResponse(headers={**headers, "Content-Length": str(len(body))})
    await response.prepare(request)
    await response.write(body[: len(body) // 2])
    return response


@contextmanager
def token_front(backend: str, user: str, password: str) -> Iterator[TokenFront]:
    """A running front for `backend` on a free loopback port, stopped at the end."""
    front = TokenFront(backend, user, password)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(front.app())
    loop.run_until_complete(runner.setup())
    site = web.TCPSite(runner, "127.0.0.1", 0)
    loop.run_until_complete(site.start())
    front.port = runner.addresses[0][1]
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield front
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
