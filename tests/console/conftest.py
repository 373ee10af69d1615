"""One server with people and a project of images, and one browser, for the console's tests.

`developer` administers the project `shop`; `outsider` has no role anywhere. In `shop`:
`app:v1` was pushed twice (a history of two images), `labelled:v1` has labels that hold
HTML and script, and `multi:v1` is an index of two platforms.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.support.browser import launch
from tests.support.images import OCI_INDEX, Image, image, index, push_image
from tests.support.server import RunningServer
from tests.support.users import serving_users

WHOAMI = "/apis/user.openshift.io/v1/users/~"
PASSWORDS = {"developer": "developer-secret", "outsider": "outsider-secret"}
HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'">'


@dataclass(frozen=True)
class Shop:
    """What the project `shop` holds."""

    app_history: list[Image]  # app:v1, newest first
    labelled: Image
    platforms: list[Image]
    index_digest: str


def token_cookie(context: BrowserContext) -> dict[str, object]:
    """The console's token cookie, as the browser keeps it."""
    (cookie,) = [c for c in context.cookies() if c["name"] == "moorage-token"]
    return dict(cookie)


def api_accepts(server: RunningServer, token: str) -> bool:
    """Whether the API takes `token` (names its user) or refuses it (401)."""
    answer = httpx.get(server.api_url + WHOAMI, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


@pytest.fixture(scope="session")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    base = tmp_path_factory.mktemp("console")
    with serving_users(base, PASSWORDS, projects=()) as server:
        yield server
    # Every refusal the tests provoke must be a page of the console's, never a crash.
    assert "unhandled error" not in server.log(), server.log()[-5000:]


@pytest.fixture(scope="session")
def developer_token(console: RunningServer) -> str:
    return console.login("developer", PASSWORDS["developer"])


@pytest.fixture(scope="session")
def shop(console: RunningServer, developer_token: str) -> Shop:
    console.create_projects("shop", token=developer_token)
    registry = httpx.Client(base_url=console.url, auth=("developer", developer_token), timeout=30)
    with registry:
        older, newer = image(), image()
        for pushed in (older, newer):
            assert push_image(registry, "shop/app", pushed, "v1").status_code == 201
        labelled = image(labels={"description": HOSTILE, "maintainer": "shop team"})
        assert push_image(registry, "shop/labelled", labelled, "v1").status_code == 201
        platforms = [image(arch="amd64"), image(arch="arm64")]
        for child in platforms:
            assert push_image(registry, "shop/multi", child, child.digest).status_code == 201
        manifest = index(platforms)
        answer = registry.put(
            "/v2/shop/multi/manifests/v1", content=manifest, headers={"Content-Type": OCI_INDEX}
        )
        assert answer.status_code == 201
    return Shop([newer, older], labelled, platforms, answer.headers["Docker-Content-Digest"])


# Package, not session: while Playwright's sync API runs, its event loop is the thread's
# running loop, and every asyncio.run() a later test on the same worker makes would fail.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser, console: RunningServer) -> Iterator[BrowserContext]:
    """A browser profile of its own (no cookies) that may write the clipboard."""
    context = browser.new_context(base_url=console.api_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
