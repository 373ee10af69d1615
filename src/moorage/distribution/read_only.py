"""spec.readOnly: every push and delete is refused, pulls go on."""

from collections.abc import Awaitable, Callable

from aiohttp import web

from moorage.distribution.errors import error_response

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MESSAGE = (
    "the registry is in read-only mode: pushes and deletes are refused "
    "(spec.readOnly of configs.imageregistry.operator.openshift.io/cluster)"
)


@web.middleware
async def refuse_writes(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    if request.method in WRITES and request.path.startswith("/v2/"):
        return error_response("UNSUPPORTED", MESSAGE, status=405)
    return await handler(request)
