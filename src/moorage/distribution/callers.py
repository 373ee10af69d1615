"""A registry request's caller: its credentials and service name read from the request, who
it is decided by auth/registry_authentication.py, and what it may do kept on the request
for the handlers (auth/registry_callers.py)."""

from dataclasses import dataclass

from aiohttp import web

from moorage.auth.credentials import BadCredentials, Credentials
from moorage.auth.principal import Principal
from moorage.auth.registry_authentication import RegistryAuthentication, Unauthenticated
from moorage.auth.registry_callers import Caller, Visible
from moorage.distribution.credentials import credentials
from moorage.distribution.services import ServiceNames

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

    authentication: RegistryAuthentication
    services: ServiceNames

    async def caller(self, request: web.Request) -> Caller:
        """Who the request comes from; raises Unauthenticated."""
        found = _credentials(request)
        return await self.authentication.caller(found, self.service(request), _source(request))

    async def principal(self, request: web.Request) -> Principal:
        """The principal an API token in the request proves, or ANONYMOUS without credentials."""
        return await self.authentication.principal(_credentials(request), _source(request))

    def service(self, request: web.Request) -> str:
        return self.services.of(request.host)


def _credentials(request: web.Request) -> Credentials:
    try:
        return credentials(request)
    except BadCredentials as exc:
        raise Unauthenticated(str(exc)) from None


def _source(request: web.Request) -> str:
    return request.remote or ""
