"""`/healthz` and `/readyz` on every listener, registry and API alike, as Kubernetes components
serve them, for a load balancer or a supervisor to ask.

healthz: the process answers (its event loop runs). readyz: it can do its work now: each of
its checks passes (its metadata store answers; a registry replica's blob storage answers) and
it is not stopping (a draining process is taken out of rotation while it finishes what is in
flight). Both answer `ok` (200) or, for readyz, the checks that failed (503), as plain text,
without authentication: they tell nothing about content. Each check has CHECK_SECONDS.
"""

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

CHECK_SECONDS = 2.0
# A check: None when fine, else what is wrong (one line).
Check = Callable[[], Awaitable[str | None]]
PATHS = ("/healthz", "/readyz")


class Health:
    def __init__(self, checks: dict[str, Check]) -> None:
        self._checks = checks
        self.stopping = False  # set by the listener when it starts to drain

    def install(self, app: web.Application) -> None:
        app[HEALTH] = self
        app.router.add_get("/healthz", healthz)
        app.router.add_get("/readyz", readyz)

    async def failures(self) -> list[tuple[str, str]]:
        """(check, why) of each check that fails now, the stopping one included."""
        names = list(self._checks)
        results = await asyncio.gather(*(_bounded(self._checks[name]) for name in names))
        failed = [(name, why) for name, why in zip(names, results, strict=True) if why]
        if self.stopping:
            failed.append(("shutdown", "the process is stopping"))
        return failed


HEALTH = web.AppKey("health", Health)


async def healthz(_request: web.Request) -> web.Response:
    return web.Response(text="ok")


async def readyz(request: web.Request) -> web.Response:
    failed = await request.app[HEALTH].failures()
    if not failed:
        return web.Response(text="ok")
    lines = [f"[-]{name} failed: {why}" for name, why in failed]
    return web.Response(status=503, text="\n".join([*lines, "readyz check failed"]) + "\n")


async def _bounded(check: Check) -> str | None:
    try:
        return await asyncio.wait_for(check(), CHECK_SECONDS)
    except TimeoutError:
        return f"no answer within {CHECK_SECONDS:g} s"
    except Exception as exc:  # a check that breaks is a failed check, said in one line
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
