"""What every console response carries, and the checks every change must pass.

The token lives only in an HttpOnly, SameSite=Strict cookie (Secure over TLS). Every POST
carries a CSRF token equal to the console's CSRF cookie (double submit): a page of another
site can neither read that cookie nor send it (SameSite=Strict), so it cannot forge a form.
"""

import hmac
import secrets
from collections.abc import Awaitable, Callable

from aiohttp import web

TOKEN_COOKIE = "moorage-token"
CSRF_COOKIE = "moorage-csrf"
CSRF_FIELD = "csrf"
COOKIE_PATH = "/console/"
_NEW_CSRF = web.RequestKey("new_csrf", str)
POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class CsrfRefused(Exception):
    """A state-changing request without the CSRF token of the browser that sent it."""


def csrf_token(request: web.Request) -> str:
    """The browser's CSRF token, made (and set as a cookie on the response) when it has none."""
    known = request.cookies.get(CSRF_COOKIE) or request.get(_NEW_CSRF)
    if known:
        return known
    request[_NEW_CSRF] = made = secrets.token_urlsafe(32)
    return made


async def check_csrf(request: web.Request) -> None:
    if request.method in ("GET", "HEAD"):
        return
    sent = (await request.post()).get(CSRF_FIELD)
    expected = request.cookies.get(CSRF_COOKIE)
    if not (isinstance(sent, str) and expected and hmac.compare_digest(sent, expected)):
        raise CsrfRefused()


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )


def forget_token(response: web.StreamResponse) -> None:
    response.del_cookie(TOKEN_COOKIE, path=COOKIE_PATH)


def secure_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(HEADERS)
    if response.content_type == "text/html":
        response.headers["Cache-Control"] = "no-store"
    made = request.get(_NEW_CSRF)
    if made:
        set_cookie(request, response, CSRF_COOKIE, made)
