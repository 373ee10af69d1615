"""The console's pages: projects, a project's streams, a stream's tags and history, an image."""

import json
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from tests.console.conftest import HOSTILE, PASSWORDS, Shop
from tests.support.browser import log_in, screenshot
from tests.support.clients import Sandbox
from tests.support.requirements import require
from tests.support.server import RunningServer

STREAM = "/console/projects/shop/imagestreams"


def test_browsing_from_projects_to_a_tags_history_and_an_image(page: Page, shop: Shop) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    screenshot(page, "projects")
    page.get_by_role("link", name="shop").click()
    expect(page.get_by_role("heading", name="Image streams in shop")).to_be_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="app", exact=True))
    expect(row).to_contain_text("v1")
    screenshot(page, "streams")

    page.get_by_role("link", name="app", exact=True).click()
    history = page.get_by_role("table", name="History of v1, newest first")
    images = history.get_by_role("link").all_inner_texts()
    assert images == [pushed.digest for pushed in shop.app_history]
    screenshot(page, "stream")

    history.get_by_role("link", name=shop.app_history[0].digest).click()
    layers = page.get_by_role("table", name="Layers, base first").get_by_role("row")
    expected = json.loads(shop.app_history[0].manifest)["layers"]
    expect(layers).to_have_count(1 + len(expected))
    for layer, row in zip(expected, layers.all()[1:], strict=True):
        expect(row).to_contain_text(layer["digest"])
        expect(row).to_contain_text(layer["mediaType"])
    expect(page.locator("dl.facts")).to_contain_text("linux/amd64")
    screenshot(page, "image")


def test_the_copied_pull_command_pulls_the_tag_with_podman(
    page: Page, shop: Shop, console: RunningServer, developer_token: str, tmp_path: Path
) -> None:
    require("podman")
    log_in(page, "developer", PASSWORDS["developer"])
    page.goto(f"{STREAM}/app")
    page.get_by_role("button", name="Copy pull command for v1").click()
    expect(page.get_by_role("status")).to_have_text("Copied")
    command = page.evaluate("navigator.clipboard.readText()")
    assert command == page.locator("section", has_text="v1").locator("code").first.inner_text()
    assert command == f"podman pull {console.address}/shop/app:v1"

    sandbox = Sandbox(tmp_path / "podman").log_in(console.address, "developer", developer_token)
    try:
        _podman, pull, reference = command.split()
        sandbox.podman(pull, "-q", "--tls-verify=false", reference)
        pulled = sandbox.podman("image", "inspect", "--format", "{{.Digest}}", reference)
    finally:
        sandbox.close()
    assert pulled.strip() == shop.app_history[0].digest


def test_an_index_lists_its_platforms(page: Page, shop: Shop) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    page.goto(f"{STREAM}/multi/images/{shop.index_digest}")
    platforms = page.get_by_role("table", name="The images this index holds, one per platform")
    expect(platforms.get_by_role("rowheader")).to_have_text(["linux/amd64", "linux/arm64"])
    platforms.get_by_role("link", name=shop.platforms[1].digest).click()
    expect(page.locator("dl.facts")).to_contain_text("linux/arm64")
    screenshot(page, "index")


def test_labels_holding_html_are_shown_as_text_and_run_no_script(page: Page, shop: Shop) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    page.goto(f"{STREAM}/labelled/images/{shop.labelled.digest}")
    labels = page.get_by_role("table", name="Labels of the image's configuration")
    description = labels.get_by_role("row", name="description").get_by_role("cell")
    expect(description).to_have_text(HOSTILE)
    expect(labels.locator("script, img")).to_have_count(0)
    assert page.title() != "pwned"
    screenshot(page, "labels")


def test_a_project_without_access_is_not_listed_and_its_page_is_the_apis_refusal(
    page: Page, shop: Shop, console: RunningServer
) -> None:
    token = console.login("outsider", PASSWORDS["outsider"])
    refused = httpx.get(
        f"{console.api_url}/apis/image.openshift.io/v1/namespaces/shop/imagestreams",
        headers={"Authorization": f"Bearer {token}"},
    )
    log_in(page, "outsider", PASSWORDS["outsider"])
    expect(page.get_by_role("link", name="shop")).to_have_count(0)

    answer = page.goto("/console/projects/shop")

    assert answer is not None and answer.status == refused.status_code == 403
    expect(page.get_by_role("alert")).to_have_text(refused.json()["message"])
    screenshot(page, "refused")


def test_an_image_not_in_the_stream_is_not_found(page: Page, shop: Shop) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    elsewhere = shop.labelled.digest
    answer = page.goto(f"{STREAM}/app/images/{elsewhere}")
    assert answer is not None and answer.status == 404
    expect(page.get_by_role("alert")).to_contain_text(f"app@{elsewhere}")


def test_a_keyboard_reaches_the_content_and_copies_with_focus_always_visible(
    page: Page, shop: Shop
) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    page.goto(f"{STREAM}/app")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    copy = page.get_by_role("button", name="Copy pull command for v1")
    for _control in range(12):  # the header's, the breadcrumb's, then the tag's
        page.keyboard.press("Tab")
        assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
        if copy.evaluate("button => button === document.activeElement"):
            break
    expect(copy).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Copied")
