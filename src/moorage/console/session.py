"""The logged-in user's view of the API, from the token cookie."""

from aiohttp import web

from moorage.console.paths import CURRENT_USER
from moorage.console.rendering import remember_user
from moorage.console.security import TOKEN_COOKIE
from moorage.console.upstream import Api, Upstream

UPSTREAM = web.AppKey("upstream", Upstream)


class NotLoggedIn(Exception):
    """The browser has no token (or the API no longer takes it): the login page is next."""


def api_of(request: web.Request, token: str) -> Api:
    return Api(request.config_dict[UPSTREAM], token)


async def user_api(request: web.Request) -> Api:
    """The API with the browser's token, whose user the page header names."""
    token = request.cookies.get(TOKEN_COOKIE)
    if not token:
        raise NotLoggedIn()
    api = api_of(request, token)
    who = await api.get(CURRENT_USER)
    remember_user(request, str(who["metadata"]["name"]))
    return api
