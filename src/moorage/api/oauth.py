"""The login endpoints: OpenShift's OAuth server, in the shape `oc login` uses.

`GET /oauth/authorize?client_id=openshift-challenging-client&response_type=token`
with Basic credentials (and `X-CSRF-Token`, so a browser cannot be tricked
into it) answers 302 to `/oauth/token/implicit#access_token=...`; without
them, 401 with a Basic challenge. Failed attempts are limited per user name
and source address together, and more loosely per source (auth/ratelimit.py),
each counted before its password is checked and taken back if it was right:
past the limit that pair is answered 429 TooManyRequests, its password unchecked.
"""

import asyncio
from urllib.parse import urlencode

from aiohttp import web

from moorage.api.context import IDENTITIES, LOGIN_LIMITER
from moorage.api.status import ApiError, status_response
from moorage.auth.credentials import BASIC, BadCredentials, parse
from moorage.auth.identities import LoginRefused
from moorage.auth.tokens import CLIENT_CHALLENGING, USER_TOKEN_LIFETIME

CHALLENGE = {"WWW-Authenticate": 'Basic realm="openshift"'}


def _base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def metadata(request: web.Request) -> web.Response:
    """RFC 8414 server metadata, as OpenShift serves it for clients to find the endpoints."""
    base = _base(request)
    return web.json_response(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "response_types_supported": ["code", "token"],
            "grant_types_supported": ["authorization_code", "implicit"],
            "code_challenge_methods_supported": ["plain", "S256"],
        }
    )


async def authorize(request: web.Request) -> web.StreamResponse:
    query = request.query
    if query.get("client_id") != CLIENT_CHALLENGING or query.get("response_type") != "token":
        raise ApiError(
            "BadRequest",
            f"only client_id={CLIENT_CHALLENGING} with response_type=token is supported",
        )
    if not request.headers.get("X-CSRF-Token"):
        raise ApiError("BadRequest", "the X-CSRF-Token header is required for a login challenge")
    credentials = _basic(request)
    if credentials is None:
        return _unauthorized("a user name and password are required")
    username, password = credentials
    attempt = request.app[LOGIN_LIMITER].attempt(username, request.remote or "")
    if attempt.wait:
        return _too_many(attempt.wait)
    identities = request.app[IDENTITIES]
    try:
        principal = await asyncio.to_thread(identities.login, username, password)
    except LoginRefused as exc:
        return _unauthorized(str(exc))
    except BaseException:  # no verdict on the password (an outage, a client gone)
        attempt.take_back()
        raise
    attempt.take_back()
    token, _ = await asyncio.to_thread(
        identities.issue, principal, CLIENT_CHALLENGING, USER_TOKEN_LIFETIME
    )
    fragment = urlencode(
        {
            "access_token": token,
            "expires_in": USER_TOKEN_LIFETIME,
            "scope": "user:full",
            "token_type": "Bearer",
        }
    )
    location = f"{_base(request)}/oauth/token/implicit#{fragment}"
    return web.Response(status=302, headers={"Location": location, "Cache-Control": "no-store"})


async def implicit(_request: web.Request) -> web.Response:
    return web.Response(text="The access token is in this page's address (after '#').\n")


def _basic(request: web.Request) -> tuple[str, str] | None:
    try:
        found = parse(request.headers.get("Authorization"))
    except BadCredentials as exc:
        raise ApiError("BadRequest", str(exc)) from None
    return (found.user, found.secret) if found.scheme == BASIC and found.user else None


def _too_many(wait: int) -> web.Response:
    response = status_response(
        "TooManyRequests", f"too many failed logins: try again in {wait} seconds"
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _unauthorized(reason: str) -> web.Response:
    response = status_response("Unauthorized", f"Login failed: {reason}")
    response.headers.update(CHALLENGE)
    return response
