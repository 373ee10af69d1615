"""What every console answer carries (a strict CSP and its companions), and the CSRF check
every change passes."""

from playwright.sync_api import BrowserContext, Page

from tests.console.conftest import PASSWORDS, Shop, api_accepts, token_cookie
from tests.support.browser import log_in
from tests.support.server import RunningServer

STRICT = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


def pages(shop: Shop) -> list[str]:
    stream = "/console/projects/shop/imagestreams"
    return [
        "/console/login",
        "/console/",
        "/console/projects/shop",
        f"{stream}/app",
        f"{stream}/app/images/{shop.app_history[0].digest}",
        "/console/projects/nowhere",
        "/console/no/such/page",
        "/console/static/console.css",
        "/console/static/console.js",
    ]


def test_every_page_has_a_strict_content_security_policy(page: Page, shop: Shop) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    for path in pages(shop):
        answer = page.goto(path)
        assert answer is not None, path
        headers = answer.headers
        assert {name: headers.get(name) for name in STRICT} == STRICT, path


def test_a_post_without_the_csrf_token_is_refused(
    page: Page, context: BrowserContext, console: RunningServer
) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    token = str(token_cookie(context)["value"])

    for form in ({}, {"csrf": "a guess"}):
        refused = page.request.post("/console/logout", form=form)
        assert refused.status == 403
        assert "CSRF" in refused.text()

    assert api_accepts(console, token)


def test_a_login_without_the_csrf_token_is_refused(page: Page) -> None:
    page.goto("/console/login")
    credentials = {"username": "developer", "password": PASSWORDS["developer"]}
    refused = page.request.post("/console/login", form=credentials, max_redirects=0)
    assert refused.status == 403
