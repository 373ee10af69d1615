"""The registry's HTTP application: routes, middleware, headers on every response."""

from aiohttp import web
from aiohttp.typedefs import Middleware

from moorage.distribution import access, blobs, limits, manifests, metrics, token, uploads
from moorage.distribution import read_only as read_only_mode
from moorage.distribution.callers import Guard
from moorage.distribution.context import GUARD, REDIRECT, REGISTRY, SENDERS
from moorage.distribution.errors import oci_errors
from moorage.distribution.instrumentation import Instrumentation
from moorage.distribution.metrics import SCRAPING, Scraping
from moorage.distribution.sending import Senders
from moorage.observability.health import Health
from moorage.registry.service import Registry
from moorage.registry.settings import RequestLimits

NAME = "{name:[^{}]+?}"


async def _common_headers(_request: web.Request, response: web.StreamResponse) -> None:
    headers = response.headers
    headers["Docker-Distribution-API-Version"] = "registry/2.0"
    digest = headers.get("Docker-Content-Digest")
    if digest is not None:
        # Content is addressed by digest: that is its entity tag (FileResponse sets its own).
        headers["ETag"] = f'"{digest}"'


async def _stop_senders(app: web.Application) -> None:
    app[SENDERS].close()


def build_app(
    registry: Registry,
    guard: Guard,
    scraping: Scraping | None = None,
    read_only: bool = False,
    read_limits: RequestLimits | None = None,
    write_limits: RequestLimits | None = None,
    redirect: bool = True,
    health: Health | None = None,
) -> web.Application:
    """The registry's application; with `scraping`, measured and serving its metrics; with
    `read_only`, refusing pushes and deletes; with limits, bounding requests in flight; with
    `redirect`, sending blob GETs to the storage's signed URLs where it has them."""
    refusals: list[Middleware] = [read_only_mode.refuse_writes] if read_only else []
    if read_limits or write_limits:
        refusals.append(limits.Limits(read_limits, write_limits).middleware)
    middlewares = [oci_errors, *refusals, access.enforce]
    app = web.Application(middlewares=middlewares, client_max_size=MAX_BODY)
    app[REGISTRY] = registry
    app[GUARD] = guard
    app[SENDERS] = Senders()
    app[REDIRECT] = redirect
    app.on_cleanup.append(_stop_senders)
    app.on_response_prepare.append(_common_headers)
    route = app.router
    (health or Health({})).install(app)
    route.add_get("/openshift/token", token.issue)
    route.add_get("/v2/", manifests.base)
    route.add_get("/v2/_catalog", manifests.catalog)
    route.add_get(f"/v2/{NAME}/tags/list", manifests.list_tags)
    for method, handler in (
        ("GET", manifests.get_manifest),
        ("HEAD", manifests.get_manifest),
        ("PUT", manifests.put_manifest),
        ("DELETE", manifests.delete_manifest),
    ):
        route.add_route(method, f"/v2/{NAME}/manifests/{{reference}}", handler)
    route.add_get(f"/v2/{NAME}/referrers/{{digest}}", manifests.referrers)
    route.add_post(f"/v2/{NAME}/blobs/uploads/", uploads.start_upload)
    route.add_post(f"/v2/{NAME}/blobs/uploads", uploads.start_upload)
    for method, handler in (
        ("PATCH", uploads.patch_upload),
        ("PUT", uploads.finish_upload),
        ("GET", uploads.upload_status),
        ("DELETE", uploads.cancel_upload),
    ):
        route.add_route(method, f"/v2/{NAME}/blobs/uploads/{{upload}}", handler)
    for method, handler in (
        ("GET", blobs.get_blob),
        ("HEAD", blobs.head_blob),
        ("DELETE", blobs.delete_blob),
    ):
        route.add_route(method, f"/v2/{NAME}/blobs/{{digest}}", handler)
    if scraping is not None:
        app[SCRAPING] = scraping
        route.add_get(metrics.PATH, metrics.scrape)
        Instrumentation(scraping.exchange.metrics).install(app)
    access.check_routes(app)
    return app


# Manifests are read with their own cap; blobs stream. This bounds anything else.
MAX_BODY = 1024 * 1024
