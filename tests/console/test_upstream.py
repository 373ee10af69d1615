"""The console reaches its API over TLS when the API serves TLS, trusting only its own CA."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.console.conftest import PASSWORDS
from tests.support.browser import log_in
from tests.support.server import RunningServer
from tests.support.users import serving_users


@pytest.fixture(scope="module")
def tls_console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    base = tmp_path_factory.mktemp("tls-console")
    with serving_users(base, PASSWORDS, projects=(), api_tls=True) as server:
        yield server


def test_over_api_tls_the_console_works_and_its_cookies_are_secure(
    browser: Browser, tls_console: RunningServer
) -> None:
    assert tls_console.api_url.startswith("https://")
    context = browser.new_context(base_url=tls_console.api_url, ignore_https_errors=True)
    try:
        page = context.new_page()
        log_in(page, "developer", PASSWORDS["developer"])
        expect(page.get_by_role("banner")).to_contain_text("Logged in as developer")
        cookies = {c["name"]: c for c in context.cookies()}
        assert cookies["moorage-token"]["secure"] and cookies["moorage-csrf"]["secure"]
    finally:
        context.close()
