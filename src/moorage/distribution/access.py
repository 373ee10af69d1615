"""Every registry route's access check, as middleware: what each route needs, and the refusals.

    GET /v2/                        any authentication (anonymous: 401)
    GET /v2/_catalog                a caller; the list shows what it may pull
    manifests and blobs GET/HEAD,   pull
      tags list, referrers
    manifests PUT, uploads (start,  push
      chunks, status, finish, cancel)
    manifests and blobs DELETE      delete
    GET /openshift/token            nothing: it answers for itself
    GET /extensions/v2/metrics      nothing here: it checks its own credentials
    GET /healthz, /readyz           nothing: they tell nothing about content

Refusals: no or bad credentials, 401 UNAUTHORIZED with a Bearer challenge
naming the token realm; a token that says nothing of the repository, 401 with
error="insufficient_scope"; an authenticated caller without the action, 403
DENIED. A route missing from the table fails the application's start.

The rule of the registry's request path (this middleware, the token endpoint and
every handler), so that a request costs the same with 10,000 projects as with one:
on the event loop, no SQLAlchemy session, no file read or hash of more than a few
KiB, and no wait for a lock. The store is asked only through indexed FastReads
lookups (store/fast_reads.py): a policy decision is one lookup of the newest RBAC
change (auth/policy.py), once per request. Everything else (writes, listings, the
catalog, referrers, reading the policy or the Groups again after a change, finding
who a token stands for, re-hashing an upload another worker received) runs in a
thread.
"""

from collections.abc import Awaitable, Callable

from aiohttp import web

from moorage.auth.registry_access import DELETE, PULL, PUSH
from moorage.auth.registry_authentication import Unauthenticated
from moorage.auth.registry_callers import LIST, SIGNED_IN, Verdict
from moorage.distribution import blobs, manifests, metrics, token, uploads
from moorage.distribution.callers import CALLER
from moorage.distribution.context import GUARD
from moorage.distribution.errors import error_response
from moorage.distribution.requests import repository
from moorage.observability import health

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
OPEN = "open"

NEEDS: dict[Handler, str] = {
    manifests.base: SIGNED_IN,
    manifests.catalog: LIST,
    manifests.list_tags: PULL,
    manifests.get_manifest: PULL,
    manifests.referrers: PULL,
    manifests.put_manifest: PUSH,
    manifests.delete_manifest: DELETE,
    blobs.get_blob: PULL,
    blobs.head_blob: PULL,
    blobs.delete_blob: DELETE,
    uploads.start_upload: PUSH,
    uploads.patch_upload: PUSH,
    uploads.finish_upload: PUSH,
    uploads.upload_status: PUSH,
    uploads.cancel_upload: PUSH,
    token.issue: OPEN,
    metrics.scrape: OPEN,
    health.healthz: OPEN,
    health.readyz: OPEN,
}
# The actions a challenge asks a client to request a token for.
CHALLENGE_ACTIONS = {PULL: "pull", PUSH: "pull,push", DELETE: "delete"}


def check_routes(app: web.Application) -> None:
    """Refuse to build an application with a route this table does not decide."""
    for route in app.router.routes():
        if route.handler not in NEEDS:
            raise RuntimeError(f"route {route.method} {route.resource} has no access rule")


@web.middleware
async def enforce(request: web.Request, handler: Handler) -> web.StreamResponse:
    match = request.match_info
    if match.http_exception is not None:
        return await handler(request)  # no such route: 404 or 405, nothing to protect
    need = NEEDS[match.route.handler]
    if need == OPEN:
        return await handler(request)
    name = repository(request) if need in CHALLENGE_ACTIONS else ""
    try:
        caller = await request.app[GUARD].caller(request)
    except Unauthenticated as exc:
        return challenge(request, _scope(need, name), exc.message, exc.error)
    verdict = await caller.verdict(need, name)
    if verdict is not Verdict.ALLOWED:
        return _refusal(request, verdict, need, name)
    request[CALLER] = caller
    return await handler(request)


def challenge(
    request: web.Request, scope: str | None, message: str, error: str | None = None
) -> web.Response:
    service = request.app[GUARD].service(request)
    realm = f"{request.scheme}://{service}/openshift/token"  # http, or https once TLS serves
    params = [f'realm="{realm}"', f'service="{service}"']
    if scope:
        params.append(f'scope="{scope}"')
    if error:
        params.append(f'error="{error}"')
    response = error_response("UNAUTHORIZED", message)
    response.headers["WWW-Authenticate"] = "Bearer " + ",".join(params)
    return response


def _scope(need: str, name: str) -> str | None:
    if need == LIST:
        return "registry:catalog:*"
    actions = CHALLENGE_ACTIONS.get(need)
    return f"repository:{name}:{actions}" if actions else None


def _refusal(request: web.Request, verdict: Verdict, need: str, name: str) -> web.Response:
    scope = _scope(need, name)
    if verdict is Verdict.DENIED:
        return error_response(
            "DENIED", "requested access to the resource is denied", {"scope": scope}
        )
    if verdict is Verdict.OUT_OF_SCOPE:
        message = "the token does not grant access to this resource"
        return challenge(request, scope, message, "insufficient_scope")
    return challenge(request, scope, "authentication required")
