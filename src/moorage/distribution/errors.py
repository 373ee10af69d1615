"""OCI error bodies, and the middleware that turns every failure into one."""

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from moorage.content.errors import ManifestTooLarge, RangeInvalid, RegistryError
from moorage.storage.base import StorageUnavailable
from moorage.storage.full import MESSAGE, out_of_space
from moorage.store.errors import Forbidden, Unavailable

log = logging.getLogger("moorage.distribution")

STATUS = {
    "BLOB_UNKNOWN": 404,
    "BLOB_UPLOAD_INVALID": 400,
    "BLOB_UPLOAD_UNKNOWN": 404,
    "DIGEST_INVALID": 400,
    "MANIFEST_BLOB_UNKNOWN": 400,
    "MANIFEST_INVALID": 400,
    "MANIFEST_UNKNOWN": 404,
    "NAME_INVALID": 400,
    "NAME_UNKNOWN": 404,
    "SIZE_INVALID": 400,
    "TAG_INVALID": 400,
    "PAGINATION_NUMBER_INVALID": 400,
    "UNAUTHORIZED": 401,
    "DENIED": 403,
    "UNSUPPORTED": 405,
    "TOOMANYREQUESTS": 429,
    "UNKNOWN": 500,
    "UNAVAILABLE": 503,
}
# Out of space: distribution answers an opaque 500 UNKNOWN; Quay has no error for it either.
# 507 Insufficient Storage (RFC 4918) says that this request could not be stored, where 503
# would call the whole registry down while it still serves every pull; and clients built on
# distribution's (skopeo, podman) read no body of a 5xx, so its status line is all they
# show. UNAVAILABLE is distribution's code for a service that cannot do the work now.
STORAGE_FULL = 507


def error_response(
    code: str, message: str, detail: object = None, status: int | None = None
) -> web.Response:
    error: dict[str, object] = {"code": code, "message": message}
    if detail is not None:
        error["detail"] = detail
    return web.Response(
        status=status or STATUS.get(code, 500),
        body=json.dumps({"errors": [error]}).encode(),
        content_type="application/json",
    )


def _for_registry_error(exc: RegistryError) -> web.Response:
    status = None
    if isinstance(exc, RangeInvalid):
        status = 416
    elif isinstance(exc, ManifestTooLarge):
        status = 413
    response = error_response(exc.code, exc.message, exc.detail, status)
    if isinstance(exc, RangeInvalid):
        response.headers["Range"] = f"0-{max(exc.current_size - 1, 0)}"
    return response


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def oci_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except RegistryError as exc:
        return _for_registry_error(exc)
    except Forbidden as exc:  # a quota or an immutable tag
        return error_response("DENIED", exc.message)
    except (Unavailable, StorageUnavailable) as exc:
        response = error_response("UNAVAILABLE", exc.message)
        response.headers["Retry-After"] = str(exc.retry_after_seconds)
        return response
    except web.HTTPNotFound:
        return error_response("NAME_UNKNOWN", "no such endpoint", status=404)
    except web.HTTPMethodNotAllowed as exc:
        return error_response("UNSUPPORTED", f"{exc.method} is not supported here")
    except web.HTTPException:
        raise
    except ConnectionResetError:
        raise
    except Exception as exc:
        if out_of_space(exc):
            log.warning("storage full on %s %s: %s", request.method, request.path, exc)
            return error_response("UNAVAILABLE", MESSAGE, status=STORAGE_FULL)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response("UNKNOWN", "internal server error", status=500)
