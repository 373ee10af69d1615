"""A real headless Chromium (Debian's) driven by Playwright, and the console's login form."""

from pathlib import Path

from playwright.sync_api import Browser, Page, Playwright

from tests.support.requirements import REPOSITORY, require

# Nothing is fetched from the network: no updates, no sync, no QUIC probes.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Screenshots of the console's pages, for review by eye (gitignored).
SCREENSHOTS = REPOSITORY / "artifacts" / "console"


def launch(playwright: Playwright) -> Browser:
    executable = require("chromium")
    return playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)


def screenshot(page: Page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def log_in(page: Page, username: str, password: str) -> None:
    """Through the console's login form, as a person would; ends on the projects page."""
    page.goto("/console/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.wait_for_url("**/console/")
