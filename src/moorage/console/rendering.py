"""Pages from Jinja2 templates, every value escaped (autoescape) as it goes into the HTML."""

from typing import Any

import jinja2
from aiohttp import web

from moorage.console.security import CSRF_FIELD, csrf_token

ENVIRONMENT = jinja2.Environment(
    loader=jinja2.PackageLoader("moorage.console"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
_USER = web.RequestKey("console_user", str)


def size(value: int | None) -> str:
    """Bytes as people read them: exact below a KiB, else `4.0 KiB`."""
    if value is None:
        return ""
    if value < 1024:
        return f"{value} B"
    amount, units = value / 1024, ["KiB", "MiB", "GiB"]
    while amount >= 1024 and len(units) > 1:
        amount, units = amount / 1024, units[1:]
    return f"{amount:.1f} {units[0]}"


ENVIRONMENT.filters["size"] = size


def remember_user(request: web.Request, name: str) -> None:
    """Who is logged in, for the page header."""
    request[_USER] = name


def render(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    html = ENVIRONMENT.get_template(template).render(
        csrf=csrf_token(request),
        csrf_field=CSRF_FIELD,
        user=request.get(_USER),
        **context,
    )
    return web.Response(text=html, status=status, content_type="text/html")


def error_page(request: web.Request, status: int, title: str, message: str) -> web.Response:
    return render(request, "error.html", status, title=title, message=message)
