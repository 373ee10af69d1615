"""Where the console is: /console/ on the API listener, where a browser at / is sent."""

import httpx
from playwright.sync_api import Page, expect

from tests.support.server import RunningServer

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_at_the_root_is_sent_to_the_console(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def test_an_api_client_at_the_root_gets_the_apis_answer_as_before(console: RunningServer) -> None:
    for accept in ("application/json", "*/*"):
        answer = httpx.get(console.api_url + "/", headers={"Accept": accept})
        assert answer.status_code == 403
        assert answer.json()["message"] == 'forbidden: User "system:anonymous" cannot get path "/"'
    browser = httpx.get(console.api_url + "/", headers={"Accept": BROWSER_ACCEPT})
    assert (browser.status_code, browser.headers["Location"]) == (302, "/console/")


def test_a_page_that_does_not_exist_is_an_html_page_saying_so(page: Page) -> None:
    answer = page.goto("/console/projects/shop/elsewhere")
    assert answer is not None and answer.status == 404
    assert answer.headers["content-type"].startswith("text/html")
    expect(page.get_by_role("alert")).to_have_text("There is no such page.")
