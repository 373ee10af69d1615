"""Authentication and authorization of every API request, as middleware.

A bearer token names its principal (401 when it names nobody); no token is
system:anonymous. Impersonation headers switch to another principal when the
caller may impersonate. Then the request's attributes (verb, group, resource,
namespace, name, or a non-resource path) go to the RBAC policy: 403 unless a
binding grants them.
"""

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from moorage.api import principals
from moorage.api.context import CATALOGUE, IDENTITIES, POLICY
from moorage.api.requests import parse_target, verb_of, watching
from moorage.api.status import ApiError
from moorage.auth import tokens
from moorage.auth.credentials import BEARER, NONE, BadCredentials, parse
from moorage.auth.principal import ANONYMOUS, AUTHENTICATED, Principal
from moorage.auth.rbac import Attributes
from moorage.observability import health

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
OAUTH = "oauth.openshift.io"
# A namespace (or project) is asked about inside itself, as Kubernetes and OpenShift do, so
# that a project's admin may get, update and delete it.
SELF_NAMESPACED = {("", "namespaces"), ("project.openshift.io", "projects")}
# The login flow authenticates with a password, not a token: it answers for itself. The
# console is a client of this API: it calls the API with its user's token for everything.
OPEN_PATHS = ("/oauth/", "/.well-known/oauth-authorization-server", "/console/", *health.PATHS)


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith(OPEN_PATHS):
        return await handler(request)
    token = _bearer(request)
    principal = ANONYMOUS
    if token is not None:
        found = await asyncio.to_thread(request.app[IDENTITIES].authenticate, token)
        if found is None:
            raise ApiError("Unauthorized", "Unauthorized")
        principal = found
    principal = await _impersonated(request, principal)
    principals.set_current(principal)
    await _authorize(request, principal, token or "")
    return await handler(request)


def _bearer(request: web.Request) -> str | None:
    try:
        found = parse(request.headers.get("Authorization"))
    except BadCredentials as exc:
        raise ApiError("Unauthorized", f"Unauthorized: {exc}") from None
    if found.scheme == NONE:
        return None
    if found.scheme != BEARER:
        raise ApiError("Unauthorized", "Unauthorized: only bearer tokens are accepted here")
    return found.secret


async def _impersonated(request: web.Request, caller: Principal) -> Principal:
    user = request.headers.get("Impersonate-User")
    groups = tuple(request.headers.getall("Impersonate-Group", ()))
    if user is None:
        if groups:
            raise ApiError("BadRequest", "Impersonate-Group requires Impersonate-User")
        return caller
    policy = request.app[POLICY]
    checks = [("users", user)] + [("groups", group) for group in groups]
    for resource, name in checks:
        attributes = Attributes(caller.name, caller.groups, "impersonate", "", resource, name=name)
        decision = await asyncio.to_thread(policy.authorize, attributes)
        if not decision.allowed:
            raise ApiError(
                "Forbidden",
                f'{resource} "{name}" is forbidden: User "{caller.name}" cannot impersonate '
                f'resource "{resource}" in API group "" at the cluster scope',
            )
    if groups:
        return Principal(user, (*groups, AUTHENTICATED))
    known = await asyncio.to_thread(request.app[IDENTITIES].principal_named, user)
    return known or Principal(user, (AUTHENTICATED,))


def attributes_of(request: web.Request, principal: Principal) -> Attributes:
    """What the request asks to do, in RBAC's terms."""
    who = principal.name, principal.groups
    match = request.match_info
    if "tail" not in match:
        return Attributes(*who, verb=request.method.lower(), path=request.path)
    target = parse_target(match.get("group", ""), match["version"], match["tail"])
    namespace = target.namespace or ""
    if (target.group, target.plural) in SELF_NAMESPACED and target.name:
        namespace = target.name
    return Attributes(
        *who,
        verb=verb_of(request.method, target, watching(request)),
        api_group=target.group,
        resource=target.plural,
        subresource=target.subresource or "",
        namespace=namespace,
        name=target.name or "",
    )


async def _authorize(request: web.Request, principal: Principal, token: str) -> None:
    attributes = attributes_of(request, principal)
    if _own_token(attributes, token):
        return  # logging out needs no grant: a token may always revoke itself
    if (
        attributes.resource
        and request.app[CATALOGUE].find(
            attributes.api_group, request.match_info["version"], attributes.resource
        )
        is None
    ):
        return  # unknown resources are 404, for everyone alike
    decision = await asyncio.to_thread(request.app[POLICY].authorize, attributes)
    if not decision.allowed:
        raise ApiError("Forbidden", forbidden_message(attributes), _details(attributes))


def _own_token(attributes: Attributes, token: str) -> bool:
    return (
        bool(token)
        and attributes.api_group == OAUTH
        and attributes.resource == "oauthaccesstokens"
        and attributes.verb in ("get", "delete")
        and attributes.name == tokens.object_name(token)
    )


def forbidden_message(attributes: Attributes) -> str:
    """Kubernetes' wording, which people search for."""
    if not attributes.resource:
        return (
            f'forbidden: User "{attributes.user}" cannot {attributes.verb} path "{attributes.path}"'
        )
    resource = attributes.resource
    if attributes.subresource:
        resource += f"/{attributes.subresource}"
    qualified = f"{attributes.resource}.{attributes.api_group}".rstrip(".")
    subject = f'{qualified} "{attributes.name}"' if attributes.name else qualified
    scope = (
        f'in the namespace "{attributes.namespace}"'
        if attributes.namespace
        else "at the cluster scope"
    )
    return (
        f'{subject} is forbidden: User "{attributes.user}" cannot {attributes.verb} resource '
        f'"{resource}" in API group "{attributes.api_group}" {scope}'
    )


def _details(attributes: Attributes) -> dict[str, str]:
    details = {"group": attributes.api_group, "kind": attributes.resource}
    if attributes.name:
        details["name"] = attributes.name
    return details
