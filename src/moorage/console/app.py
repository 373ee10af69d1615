"""The console as an application under /console/ on the API listener.

Its pages are HTML, and so are its refusals: the API's own message, with the API's status.
"""

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
from aiohttp import web

from moorage.console import login, pages
from moorage.console.paging import BadPosition
from moorage.console.rendering import error_page
from moorage.console.security import CsrfRefused, Handler, check_csrf, forget_token, secure_headers
from moorage.console.session import UPSTREAM, NotLoggedIn
from moorage.console.upstream import Listener, Refused, Upstream

PREFIX = "/console"
STATIC = Path(__file__).parent / "static"
# What a page answers with a page of its own (_failure): the login page, or an error page.
FAILURES = (
    NotLoggedIn,
    CsrfRefused,
    Refused,
    BadPosition,
    web.HTTPNotFound,
    aiohttp.ClientError,  # the API stopping, or swamped
    TimeoutError,
)


@web.middleware
async def browsers_to_console(request: web.Request, handler: Handler) -> web.StreamResponse:
    """`/` sends a browser to the console; API clients, asking for JSON, get what they did."""
    wants_page = request.path == "/" and "text/html" in request.headers.get("Accept", "")
    if request.method == "GET" and (wants_page or request.path == PREFIX):
        raise web.HTTPFound(PREFIX + "/")
    return await handler(request)


@web.middleware
async def pages_only(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Security headers on every answer; every failure an HTML page, never a Status or a 500."""
    try:
        response = await _answered(request, handler)
    except web.HTTPException as exc:
        secure_headers(request, exc)
        raise
    secure_headers(request, response)
    return response


async def _answered(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        await check_csrf(request)
        return await handler(request)
    except FAILURES as exc:
        return _failure(request, exc)


def _failure(request: web.Request, exc: Exception) -> web.StreamResponse:
    if isinstance(exc, NotLoggedIn) or (isinstance(exc, Refused) and exc.status == 401):
        to_login = web.HTTPSeeOther(login.LOGIN)
        forget_token(to_login)
        raise to_login
    if isinstance(exc, CsrfRefused):
        why = "The form was not sent by this console's page (its CSRF token is missing): reload."
        return error_page(request, 403, "Refused", why)
    if isinstance(exc, Refused):
        return error_page(request, exc.status, exc.reason or "Refused", exc.message)
    if isinstance(exc, BadPosition):
        return error_page(request, 400, "Bad request", "This page link is not valid.")
    if isinstance(exc, aiohttp.ClientError | TimeoutError):
        return error_page(request, 503, "Unavailable", "The API did not answer: try again.")
    return error_page(request, 404, "Not found", "There is no such page.")


def console_app(listener: Listener) -> web.Application:
    app = web.Application(middlewares=[pages_only])

    async def upstream(app: web.Application) -> AsyncIterator[None]:
        app[UPSTREAM] = Upstream(listener)
        yield
        await app[UPSTREAM].close()

    app.cleanup_ctx.append(upstream)
    route = app.router
    route.add_get("/", pages.projects)
    route.add_get("/login", login.login_form)
    route.add_post("/login", login.log_in)
    route.add_post("/logout", login.log_out)
    route.add_get("/projects/{project}", pages.streams)
    route.add_get("/projects/{project}/imagestreams/{stream}", pages.stream)
    route.add_get("/projects/{project}/imagestreams/{stream}/images/{digest}", pages.image)
    route.add_static("/static", STATIC)
    return app


def install(api: web.Application, listener: Listener) -> None:
    """Serve the console under /console/ of the API application, and send browsers there."""
    api.middlewares.insert(0, browsers_to_console)
    api.add_subapp(PREFIX, console_app(listener))
