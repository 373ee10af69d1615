"""Logging in to the console (a password through the OAuth flow, or a token) and out."""

import re

from playwright.sync_api import BrowserContext, Page, expect

from tests.console.conftest import PASSWORDS, api_accepts, token_cookie
from tests.support.browser import log_in, screenshot
from tests.support.server import RunningServer


def test_a_person_logs_in_with_a_password_and_is_named_on_every_page(page: Page) -> None:
    page.goto("/console/")
    expect(page).to_have_url(re.compile(r"/console/login$"))
    screenshot(page, "login")
    log_in(page, "developer", PASSWORDS["developer"])
    expect(page.get_by_role("banner")).to_contain_text("Logged in as developer")


def test_a_wrong_password_is_refused_with_the_servers_reason(page: Page) -> None:
    page.goto("/console/login")
    page.get_by_label("User name").fill("developer")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Login failed")
    expect(page.get_by_label("User name")).to_have_value("developer")


def test_a_pasted_token_logs_in_as_its_user(page: Page, console: RunningServer) -> None:
    token = console.login("outsider", PASSWORDS["outsider"])
    page.goto("/console/login")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Log in with the token").click()
    expect(page.get_by_role("banner")).to_contain_text("Logged in as outsider")


def test_a_token_the_server_does_not_know_is_refused(page: Page) -> None:
    page.goto("/console/login")
    page.get_by_label("API token").fill("sha256~made-up")
    page.get_by_role("button", name="Log in with the token").click()
    expect(page.get_by_role("alert")).to_have_text("The server does not accept this token.")


def test_logging_in_needs_no_mouse(page: Page) -> None:
    page.goto("/console/login")
    expect(page.get_by_label("User name")).to_be_focused()
    page.keyboard.type("developer")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORDS["developer"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()


def test_the_token_is_kept_in_an_http_only_strict_cookie_and_in_no_address_or_log(
    page: Page, context: BrowserContext, console: RunningServer
) -> None:
    addresses: list[str] = []
    page.on("request", lambda request: addresses.append(request.url))
    log_in(page, "developer", PASSWORDS["developer"])
    cookie = token_cookie(context)
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/console/")
    assert not [url for url in addresses if str(cookie["value"]) in url]
    assert page.evaluate("document.cookie") == ""
    page.get_by_role("link", name="Moorage").click()
    assert str(cookie["value"]) not in console.log()


def test_logging_out_revokes_the_token(
    page: Page, context: BrowserContext, console: RunningServer
) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    token = str(token_cookie(context)["value"])
    assert api_accepts(console, token)

    page.get_by_role("button", name="Log out").click()

    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    assert "moorage-token" not in {c["name"] for c in context.cookies()}
    assert not api_accepts(console, token)
