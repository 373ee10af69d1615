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
    """Bytes as people read them: `4.0 KiB`, and exact below a KiB."""
    if value is None:
        return ""
    amount = float(value)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if amount < 1024 or unit == "GiB":
            return f"{value} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    raise AssertionError("unreachable")


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
