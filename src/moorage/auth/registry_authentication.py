"""Who is calling the registry, from the credentials a request carries.

- No credentials: system:anonymous, asked of RBAC like anyone else, so a
  project that grants system:image-puller to system:unauthenticated can be
  pulled from without logging in.
- Bearer with a registry token (a JWT from /openshift/token): verified
  locally, for the service the client addressed.
- Bearer with an API token, or Basic with an API token as the password (any
  user name, as OpenShift's registry takes): authenticated against the store.

Nobody is locked out, so nobody can lock anybody else out. The only secrets
the registry takes are tokens of 256 random bits (auth/tokens.py), which no
rate of guessing finds; a limit on failures would only let one noisy client
behind a NAT refuse every valid token behind it. A secret that is not
token-shaped can never succeed and is refused before any lookup. Failures are
counted by reason and logged, without the secret, for whoever watches floods.
"""

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field

from moorage.auth import tokens
from moorage.auth.credentials import BEARER, NONE, Credentials
from moorage.auth.identities import Identities
from moorage.auth.principal import ANONYMOUS, Principal
from moorage.auth.registry_access import RegistryAccess
from moorage.auth.registry_callers import Caller, PrincipalCaller, TokenCaller
from moorage.auth.registry_tokens import InvalidToken, RegistryTokens, UnknownKey, VerifiedToken
from moorage.auth.remembered_principals import RememberedPrincipals

log = logging.getLogger("moorage.auth")
NOT_A_TOKEN = "not an API token"
UNKNOWN_TOKEN = "unknown or expired API token"
MESSAGES = {
    NOT_A_TOKEN: "invalid credentials: the password must be an API token (moorage whoami -t)",
    UNKNOWN_TOKEN: "invalid credentials: the password must be a current API token",
}


class Unauthenticated(Exception):
    def __init__(self, message: str, error: str | None = None) -> None:
        super().__init__(message)
        self.message, self.error = message, error


@dataclass
class RegistryAuthentication:
    identities: Identities
    access: RegistryAccess
    tokens: RegistryTokens
    remembered: RememberedPrincipals = field(default_factory=RememberedPrincipals)
    named: RememberedPrincipals = field(default_factory=RememberedPrincipals)
    failures: Counter[str] = field(default_factory=Counter)  # by reason, since start

    async def caller(self, found: Credentials, service: str, source: str) -> Caller:
        """Who sends these credentials to `service`; raises Unauthenticated."""
        if found.scheme == BEARER and not tokens.well_formed(found.secret):
            verified = await self._verified(found.secret, service)
            return TokenCaller(verified, self.access, self.principal_named)
        principal = ANONYMOUS if found.scheme == NONE else await self._principal(found, source)
        return PrincipalCaller(principal, await self.access.decisions())

    async def principal(self, found: Credentials, source: str) -> Principal:
        """The principal an API token proves, or ANONYMOUS without credentials."""
        if found.scheme == NONE:
            return ANONYMOUS
        return await self._principal(found, source)

    async def principal_named(self, name: str) -> Principal | None:
        """The principal a registry token names, as it is now (looked up in a thread, then
        remembered as briefly as an authenticated API token)."""
        if name == ANONYMOUS.name:
            return ANONYMOUS
        principal = self.named.get(name)
        if principal is None:
            principal = await asyncio.to_thread(self.identities.principal_named, name)
            if principal is not None:
                self.named.remember(name, principal)
        return principal

    async def _principal(self, found: Credentials, source: str) -> Principal:
        token = found.secret
        if not tokens.well_formed(token):
            raise self._failed(NOT_A_TOKEN, found, source)
        principal = self.remembered.get(token)
        if principal is None:
            principal = await asyncio.to_thread(self.identities.authenticate, token)
            if principal is None:
                raise self._failed(UNKNOWN_TOKEN, found, source)
            self.remembered.remember(token, principal)
        return principal

    def _failed(self, reason: str, found: Credentials, source: str) -> Unauthenticated:
        self.failures[reason] += 1
        fields = {
            "reason": reason,
            "scheme": found.scheme,
            "source": source,
            "failures": self.failures[reason],
        }
        log.info("registry authentication failed", extra={"fields": fields})
        return Unauthenticated(MESSAGES[reason])

    async def _verified(self, token: str, service: str) -> VerifiedToken:
        try:
            try:
                verified = self.tokens.verify(token, learn=False)
            except UnknownKey:  # perhaps rotated elsewhere: read the key set, off the loop
                verified = await asyncio.to_thread(self.tokens.verify, token)
        except InvalidToken as exc:
            raise Unauthenticated(str(exc), "invalid_token") from None
        if verified.audience != service:
            raise Unauthenticated("token issued for another service", "invalid_token")
        return verified
