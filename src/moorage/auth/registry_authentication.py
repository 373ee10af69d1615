"""Who is calling the registry, from the credentials a request carries.

- No credentials: system:anonymous, asked of RBAC like anyone else, so a
  project that grants system:image-puller to system:unauthenticated can be
  pulled from without logging in.
- Bearer with a registry token (a JWT from /openshift/token): verified
  locally, for the service the client addressed.
- Bearer with an API token, or Basic with an API token as the password (any
  user name, as OpenShift's registry takes): authenticated against the store.

Failed authentications are limited per source address and Basic user name
(auth/ratelimit.py): past the limit, TooManyFailures.
"""

import asyncio
from dataclasses import dataclass, field

from moorage.auth import tokens
from moorage.auth.credentials import BASIC, BEARER, NONE, Credentials
from moorage.auth.identities import Identities
from moorage.auth.principal import ANONYMOUS, Principal
from moorage.auth.ratelimit import FailureLimiter
from moorage.auth.registry_access import RegistryAccess
from moorage.auth.registry_callers import Caller, PrincipalCaller, TokenCaller
from moorage.auth.registry_tokens import InvalidToken, RegistryTokens, VerifiedToken
from moorage.auth.remembered_tokens import RememberedTokens

UNKNOWN_TOKEN = "invalid credentials: the password must be a current API token"


class Unauthenticated(Exception):
    def __init__(self, message: str, error: str | None = None) -> None:
        super().__init__(message)
        self.message, self.error = message, error


class TooManyFailures(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed authentications: try again in {retry_after} seconds")
        self.retry_after = retry_after


@dataclass
class RegistryAuthentication:
    identities: Identities
    access: RegistryAccess
    tokens: RegistryTokens
    failures: FailureLimiter
    remembered: RememberedTokens = field(default_factory=RememberedTokens)

    async def caller(self, found: Credentials, service: str, source: str) -> Caller:
        """Who sends these credentials to `service`; raises Unauthenticated or TooManyFailures."""
        if found.scheme == NONE:
            return PrincipalCaller(ANONYMOUS, self.access)
        if found.scheme == BEARER and not tokens.well_formed(found.secret):
            verified = self._verified(found.secret, service)
            return TokenCaller(verified, self.access, self.principal_named)
        return PrincipalCaller(await self._principal(found, source), self.access)

    async def principal(self, found: Credentials, source: str) -> Principal:
        """The principal an API token proves, or ANONYMOUS without credentials."""
        if found.scheme == NONE:
            return ANONYMOUS
        return await self._principal(found, source)

    def principal_named(self, name: str) -> Principal | None:
        return ANONYMOUS if name == ANONYMOUS.name else self.identities.principal_named(name)

    async def _principal(self, found: Credentials, source: str) -> Principal:
        keys = [f"source:{source}"]
        if found.scheme == BASIC:
            keys.append(f"user:{found.user}")
        wait = self.failures.retry_after(*keys)
        if wait:
            raise TooManyFailures(wait)
        principal = self.remembered.get(found.secret)
        if principal is None:
            principal = await asyncio.to_thread(self.identities.authenticate, found.secret)
            if principal is None:
                self.failures.failed(*keys)
                raise Unauthenticated(UNKNOWN_TOKEN)
            self.remembered.remember(found.secret, principal)
        return principal

    def _verified(self, token: str, service: str) -> VerifiedToken:
        try:
            verified = self.tokens.verify(token)
        except InvalidToken as exc:
            raise Unauthenticated(str(exc), "invalid_token") from None
        if verified.audience != service:
            raise Unauthenticated("token issued for another service", "invalid_token")
        return verified
