"""The token endpoint, `GET /openshift/token`: Docker's token protocol, answered with RBAC.

Basic credentials carry an API access token as the password (any user name);
no credentials is system:anonymous. Each `scope` (`repository:<name>:<actions>`,
`registry:catalog:*`; several per parameter, space-separated) is checked action
by action, and the registry token carries only what was granted. A scope
with nothing granted is kept with no actions, so the registry answers 403
rather than asking for credentials again.
"""

import asyncio
import time

from aiohttp import web

from moorage.auth.registry_access import MAX_SCOPES, Scope, parse_scope
from moorage.auth.registry_authentication import Unauthenticated
from moorage.auth.registry_tokens import Access
from moorage.distribution.context import GUARD
from moorage.distribution.errors import error_response

MAX_SERVICE = 255


async def issue(request: web.Request) -> web.StreamResponse:
    scopes = requested_scopes(request)
    if scopes is None:
        return error_response("UNSUPPORTED", f"at most {MAX_SCOPES} scopes", status=400)
    guard = request.app[GUARD]
    try:
        principal = await guard.principal(request)
    except Unauthenticated as exc:
        return error_response("UNAUTHORIZED", exc.message)
    authentication = guard.authentication
    decisions = await authentication.access.decisions()  # one reading of the policy for all
    access = [Access(s.type, s.name, decisions.granted(principal, s)) for s in scopes]
    service = request.query.get("service", "")[:MAX_SERVICE] or guard.service(request)
    # Signing may read the key set again, or rotate it: off the loop.
    issue = authentication.tokens.issue
    issued = await asyncio.to_thread(issue, principal.name, service, access)
    body = {
        "token": issued.token,
        "access_token": issued.token,
        "expires_in": issued.expires_in,
        "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(issued.issued_at)),
    }
    return web.json_response(body, headers={"Cache-Control": "no-store"})


def requested_scopes(request: web.Request) -> list[Scope] | None:
    """The scopes asked for, names checked first (NameInvalid); None when there are too many."""
    texts = [part for value in request.query.getall("scope", []) for part in value.split()]
    if len(texts) > MAX_SCOPES:
        return None
    parsed = [parse_scope(text) for text in texts]
    return [scope for scope in parsed if scope is not None]
