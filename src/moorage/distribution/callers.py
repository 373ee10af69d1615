"""Who is calling the registry and what they may do: from a registry token, or asked of RBAC.

A Bearer registry token (a JWT from /openshift/token) is checked locally and
answers from its `access` claim: the hot path costs a dict lookup. A token
that names the repository but not the action falls back to RBAC for its
subject (so a refusal is a 403); one that does not name the repository is
answered 401 insufficient_scope, for the client to fetch another. An API
access token (Basic password, or Bearer `sha256~...`) is authenticated
against the store (remembered for REMEMBER seconds) and every action is asked
of RBAC. No credentials is system:anonymous, also asked of RBAC, so a
project that grants system:image-puller to system:unauthenticated can be
pulled from without logging in.
"""

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from aiohttp import web

from moorage.auth import tokens
from moorage.auth.credentials import BASIC, BEARER, NONE, BadCredentials, Credentials
from moorage.auth.identities import Identities
from moorage.auth.principal import ANONYMOUS, Principal
from moorage.auth.ratelimit import FailureLimiter
from moorage.auth.registry_access import (
    ALL,
    CATALOG,
    PULL,
    REGISTRY,
    REPOSITORY,
    Decisions,
    RegistryAccess,
)
from moorage.auth.registry_tokens import InvalidToken, RegistryTokens, UnknownKey, VerifiedToken
from moorage.distribution.credentials import credentials
from moorage.distribution.errors import error_response

# What a route needs, besides the repository actions (pull, push, delete).
SIGNED_IN, LIST = "signed-in", "catalog"
REMEMBER = 2.0
MAX_REMEMBERED = 1024
MAX_HOSTS = 64  # Host headers remembered as service names; others are checked each time
Visible = frozenset[str] | None  # the projects whose repositories a caller sees; None: all
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:\d{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?")


class Verdict(Enum):
    ALLOWED = "allowed"
    DENIED = "denied"  # 403: who the caller is is known, and it is not enough
    UNAUTHENTICATED = "unauthenticated"  # 401: logging in could help
    OUT_OF_SCOPE = "out of scope"  # 401 insufficient_scope: the token says nothing of this


class Unauthenticated(Exception):
    def __init__(self, message: str, error: str | None = None) -> None:
        super().__init__(message)
        self.message, self.error = message, error


class TooManyFailures(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed authentications: try again in {retry_after} seconds")
        self.retry_after = retry_after

    def response(self) -> web.Response:
        response = error_response("TOOMANYREQUESTS", str(self))
        response.headers["Retry-After"] = str(self.retry_after)
        return response


class Caller:
    async def verdict(self, need: str, repository: str = "") -> Verdict:
        raise NotImplementedError

    async def visible(self) -> Visible:
        """The projects whose repositories the catalog shows this caller (None: all)."""
        raise NotImplementedError

    async def may_pull(self, repository: str) -> bool:
        return await self.verdict(PULL, repository) is Verdict.ALLOWED


@dataclass
class TokenCaller(Caller):
    token: VerifiedToken
    guard: "Guard"

    async def verdict(self, need: str, repository: str = "") -> Verdict:
        if need == SIGNED_IN:
            return Verdict.ALLOWED
        if need == LIST:
            found = self.token.actions(REGISTRY, CATALOG)
            return Verdict.OUT_OF_SCOPE if found is None else Verdict.ALLOWED
        actions = self.token.actions(REPOSITORY, repository)
        if actions is None:
            return Verdict.OUT_OF_SCOPE
        if need in actions or ALL in actions:
            return Verdict.ALLOWED
        return await self._asked(need, repository)

    async def visible(self) -> Visible:
        if ALL in (self.token.actions(REGISTRY, CATALOG) or ()):
            return None
        principal = await self.guard.principal_named(self.token.subject)
        if principal is None:
            return frozenset()
        return (await self.guard.access.decisions()).pullable_projects(principal)

    async def may_pull(self, repository: str) -> bool:
        """A mount's source, which clients do not always put in the token they push with
        (skopeo copying layers in parallel): asked of RBAC when the token does not name it."""
        verdict = await self.verdict(PULL, repository)
        if verdict is Verdict.OUT_OF_SCOPE:
            verdict = await self._asked(PULL, repository)
        return verdict is Verdict.ALLOWED

    async def _asked(self, need: str, repository: str) -> Verdict:
        """An action on a repository the token names but does not grant: asked of RBAC for
        the token's subject, as OpenShift's registry asks for every request. Clients that
        keep one token for every request to a repository (oras) push with a token they
        fetched to pull; an action asked for and refused is refused again here."""
        principal = await self.guard.principal_named(self.token.subject)
        if principal is None:
            return Verdict.UNAUTHENTICATED
        allowed = (await self.guard.access.decisions()).allows(principal, need, repository)
        return Verdict.ALLOWED if allowed else Verdict.DENIED


@dataclass
class PrincipalCaller(Caller):
    principal: Principal
    access: Decisions

    async def verdict(self, need: str, repository: str = "") -> Verdict:
        if need == SIGNED_IN:
            allowed = not self.principal.anonymous
        elif need == LIST:
            allowed = not self.principal.anonymous or self.access.lists_everything(self.principal)
        else:
            allowed = self.access.allows(self.principal, need, repository)
        if allowed:
            return Verdict.ALLOWED
        return Verdict.UNAUTHENTICATED if self.principal.anonymous else Verdict.DENIED

    async def visible(self) -> Visible:
        if self.access.lists_everything(self.principal):
            return None
        return self.access.pullable_projects(self.principal)


CALLER = web.RequestKey("caller", Caller)


async def may_pull(request: web.Request, name: str) -> bool:
    """Whether the request's caller may pull from another repository (a mount's source)."""
    return await request[CALLER].may_pull(name)


async def visible(request: web.Request) -> Visible:
    """The projects whose repositories the catalog shows the request's caller (None: all)."""
    return await request[CALLER].visible()


@dataclass
class Guard:
    """The registry's authentication: everything the routes and the token endpoint share."""

    identities: Identities
    access: RegistryAccess
    tokens: RegistryTokens
    failures: FailureLimiter
    default_service: str
    _remembered: dict[str, tuple[float, Principal]] = field(default_factory=dict, init=False)
    _named: dict[str, tuple[float, Principal]] = field(default_factory=dict, init=False)
    _services: dict[str, str] = field(default_factory=dict, init=False)  # Host -> service

    async def caller(self, request: web.Request) -> Caller:
        """Who the request comes from; raises Unauthenticated or TooManyFailures."""
        found = _credentials(request)
        if found.scheme == BEARER and not tokens.well_formed(found.secret):
            return TokenCaller(await self._verified(request, found.secret), self)
        principal = ANONYMOUS if found.scheme == NONE else await self._principal(request, found)
        return PrincipalCaller(principal, await self.access.decisions())

    async def principal(self, request: web.Request) -> Principal:
        """The principal an API token in the request proves, or ANONYMOUS without credentials."""
        found = _credentials(request)
        if found.scheme == NONE:
            return ANONYMOUS
        return await self._principal(request, found)

    async def _principal(self, request: web.Request, found: Credentials) -> Principal:
        keys = [f"source:{request.remote}"]
        if found.scheme == BASIC:
            keys.append(f"user:{found.user}")
        wait = self.failures.retry_after(*keys)
        if wait:
            raise TooManyFailures(wait)
        principal = await self._authenticate(found.secret)
        if principal is None:
            self.failures.failed(*keys)
            raise Unauthenticated("invalid credentials: the password must be a current API token")
        return principal

    def service(self, request: web.Request) -> str:
        """The name clients know this registry by: the Host they sent, when it is one."""
        host = request.host
        known = self._services.get(host)
        if known is None:
            known = host if _HOST.fullmatch(host) else self.default_service
            if len(self._services) < MAX_HOSTS:
                self._services[host] = known
        return known

    async def principal_named(self, name: str) -> Principal | None:
        if name == ANONYMOUS.name:
            return ANONYMOUS
        return await _recalled(self._named, name, self.identities.principal_named)

    async def _verified(self, request: web.Request, token: str) -> VerifiedToken:
        try:
            try:
                verified = self.tokens.verify(token, learn=False)
            except UnknownKey:  # perhaps rotated elsewhere: read the key set, off the loop
                verified = await asyncio.to_thread(self.tokens.verify, token)
        except InvalidToken as exc:
            raise Unauthenticated(str(exc), "invalid_token") from None
        if verified.audience != self.service(request):
            raise Unauthenticated("token issued for another service", "invalid_token")
        return verified

    async def _authenticate(self, token: str) -> Principal | None:
        return await _recalled(self._remembered, token, self.identities.authenticate)


async def _recalled(
    remembered: dict[str, tuple[float, Principal]],
    key: str,
    look_up: Callable[[str], Principal | None],
) -> Principal | None:
    """`look_up(key)` in a thread, its principal remembered for REMEMBER seconds."""
    now = time.monotonic()
    found = remembered.get(key)
    if found is not None and now < found[0]:
        return found[1]
    principal = await asyncio.to_thread(look_up, key)
    if principal is not None:
        if len(remembered) >= MAX_REMEMBERED:
            remembered.clear()
        remembered[key] = (now + REMEMBER, principal)
    return principal


def _credentials(request: web.Request) -> Credentials:
    try:
        return credentials(request)
    except BadCredentials as exc:
        raise Unauthenticated(str(exc)) from None
