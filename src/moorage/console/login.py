"""Logging in (a password through the API's OAuth flow, as `moorage login` does, or a pasted
token) and out (the token revoked, as `moorage logout` does)."""

from urllib.parse import parse_qs, urlsplit

import aiohttp
from aiohttp import web

from moorage.auth.tokens import CLIENT_CHALLENGING, object_name
from moorage.console.paths import ACCESS_TOKENS, CURRENT_USER
from moorage.console.rendering import render
from moorage.console.security import TOKEN_COOKIE, forget_token, set_cookie
from moorage.console.session import UPSTREAM, api_of
from moorage.console.upstream import Refused, body_of, refusal

HOME = "/console/"
LOGIN = "/console/login"
AUTHORIZE = "/oauth/authorize"


class LoginFailed(Exception):
    """Why the login was refused, in words for the login page."""


async def login_form(request: web.Request) -> web.Response:
    return render(request, "login.html", failure=None, username="")


async def log_in(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    username = str(form.get("username") or "")
    pasted = str(form.get("token") or "").strip()
    try:
        token = pasted or await _password_token(request, username, str(form.get("password", "")))
        await _check(request, token)
    except LoginFailed as exc:
        return render(request, "login.html", 401, failure=str(exc), username=username)
    response = web.HTTPSeeOther(HOME)
    set_cookie(request, response, TOKEN_COOKIE, token)
    raise response


async def log_out(request: web.Request) -> web.StreamResponse:
    token = request.cookies.get(TOKEN_COOKIE)
    if token:
        try:
            await api_of(request, token).delete(f"{ACCESS_TOKENS}/{object_name(token)}")
        except Refused as exc:
            if exc.status not in (401, 404):  # already gone, or a token that is no object
                raise
    response = web.HTTPSeeOther(LOGIN)
    forget_token(response)
    raise response


async def _password_token(request: web.Request, username: str, password: str) -> str:
    """A token for the user, by the OAuth challenging client's flow (the CLI's)."""
    if not username or ":" in username:
        raise LoginFailed("Enter a user name (without ':') and a password, or a token.")
    upstream = request.config_dict[UPSTREAM]
    async with upstream.session.get(
        upstream.base + AUTHORIZE,
        params={"client_id": CLIENT_CHALLENGING, "response_type": "token"},
        headers={"X-CSRF-Token": "1", "Accept": "application/json"},
        auth=aiohttp.BasicAuth(username, password),
        allow_redirects=False,
    ) as answer:
        if answer.status == 302:
            fragment = parse_qs(urlsplit(answer.headers.get("Location", "")).fragment)
            if fragment.get("access_token"):
                return fragment["access_token"][0]
        body = await body_of(answer)
    raise LoginFailed(refusal(answer.status, body).message or "Login failed.")


async def _check(request: web.Request, token: str) -> None:
    """A pasted token must name someone before it is kept."""
    try:
        await api_of(request, token).get(CURRENT_USER)
    except Refused as exc:
        if exc.status == 401:
            raise LoginFailed("The server does not accept this token.") from None
        raise
