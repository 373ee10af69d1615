"""`GET /extensions/v2/metrics`: every worker's metrics, summed, in Prometheus' text format.

Readable, as in OpenShift, with Basic credentials whose password is the metrics
secret (any user name), or with an API token (Bearer, or Basic as the registry
takes it) of a principal allowed `get` on `registry/metrics` in image.openshift.io.
Anyone else: 401 UNAUTHORIZED without or with bad credentials, 403 DENIED otherwise.
"""

import hmac
from dataclasses import dataclass

from aiohttp import web

from moorage.auth.credentials import BASIC, NONE, BadCredentials
from moorage.auth.registry_authentication import Unauthenticated
from moorage.distribution.context import GUARD
from moorage.distribution.credentials import credentials
from moorage.distribution.errors import error_response
from moorage.observability.metrics import CONTENT_TYPE, added, exposition
from moorage.observability.metrics_exchange import Exchange

PATH = "/extensions/v2/metrics"
BAD_CREDENTIALS = (
    "invalid credentials: the password must be the metrics secret or an API token "
    "allowed get on registry/metrics"
)


@dataclass(frozen=True)
class Scraping:
    secret: str
    exchange: Exchange
    build: dict[str, str]


SCRAPING = web.AppKey("scraping", Scraping)


async def scrape(request: web.Request) -> web.StreamResponse:
    scraping = request.app[SCRAPING]
    refusal = await _refusal(request, scraping.secret)
    if refusal is not None:
        return refusal
    summed = added(await scraping.exchange.gathered())
    body = exposition(summed, scraping.build)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def _refusal(request: web.Request, secret: str) -> web.Response | None:
    try:
        found = credentials(request)
    except BadCredentials as exc:
        return _unauthorized(str(exc))
    if found.scheme == NONE:
        return _unauthorized("authentication required")
    if found.scheme == BASIC and hmac.compare_digest(found.secret.encode(), secret.encode()):
        return None
    guard = request.app[GUARD]
    try:
        principal = await guard.principal(request)
    except Unauthenticated:
        return _unauthorized(BAD_CREDENTIALS)
    if (await guard.authentication.access.decisions()).reads_metrics(principal):
        return None
    return error_response("DENIED", "requested access to the resource is denied")


def _unauthorized(message: str) -> web.Response:
    response = error_response("UNAUTHORIZED", message)
    response.headers["WWW-Authenticate"] = 'Basic realm="registry metrics"'
    return response
