"""What a registry caller may do: verdicts from a registry token's claims, or asked of RBAC.

A registry token (a JWT from /openshift/token) answers from its `access`
claim: the hot path costs a dict lookup. A token that names the repository but
not the action falls back to RBAC for its subject (so a refusal is a 403); one
that does not name the repository is out of scope (401 insufficient_scope,
for the client to fetch another). A principal proven by an API token, or
system:anonymous, is asked of RBAC for every action.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum

from moorage.auth.principal import Principal
from moorage.auth.registry_access import (
    ALL,
    CATALOG,
    PULL,
    REGISTRY,
    REPOSITORY,
    Decisions,
    RegistryAccess,
)
from moorage.auth.registry_tokens import VerifiedToken

# What a route needs, besides the repository actions (pull, push, delete).
SIGNED_IN, LIST = "signed-in", "catalog"
Visible = frozenset[str] | None  # the projects whose repositories a caller sees; None: all
PrincipalNamed = Callable[[str], Awaitable[Principal | None]]


class Verdict(Enum):
    ALLOWED = "allowed"
    DENIED = "denied"  # 403: who the caller is is known, and it is not enough
    UNAUTHENTICATED = "unauthenticated"  # 401: logging in could help
    OUT_OF_SCOPE = "out of scope"  # 401 insufficient_scope: the token says nothing of this


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
    access: RegistryAccess
    principal_named: PrincipalNamed

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
        principal = await self.principal_named(self.token.subject)
        if principal is None:
            return frozenset()
        return (await self.access.decisions()).pullable_projects(principal)

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
        principal = await self.principal_named(self.token.subject)
        if principal is None:
            return Verdict.UNAUTHENTICATED
        allowed = (await self.access.decisions()).allows(principal, need, repository)
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
