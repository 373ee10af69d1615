"""A project's streams, fifty a page, filtered by name, each page read from where the last
ended."""

import pytest
from playwright.sync_api import Page, expect

from tests.console.conftest import PASSWORDS
from tests.support.browser import log_in
from tests.support.server import RunningServer

NAMES = [f"s-{n:03}" for n in range(120)] + [f"other-{n}" for n in range(10)]


@pytest.fixture(scope="module")
def crowded(console: RunningServer, developer_token: str) -> str:
    """A project of 130 image streams."""
    console.create_projects("crowded", token=developer_token)
    with console.api_client(developer_token) as api:
        for name in NAMES:
            stream = {"apiVersion": "image.openshift.io/v1", "kind": "ImageStream"}
            created = api.post(
                "/apis/image.openshift.io/v1/namespaces/crowded/imagestreams",
                json={**stream, "metadata": {"name": name}},
            )
            assert created.status_code == 201, created.text
    return "crowded"


def pages_of(page: Page) -> list[list[str]]:
    """The stream names of this page and of each page its Next links lead to."""
    seen = []
    while True:
        names = page.get_by_role("table").get_by_role("rowheader").all_inner_texts()
        seen.append(names)
        following = page.get_by_role("link", name="Next page")
        if not following.count():
            return seen
        following.click()
        expect(page.get_by_role("table").get_by_role("rowheader").first).not_to_have_text(names[0])


def flat(pages: list[list[str]]) -> list[str]:
    return [name for names in pages for name in names]


def test_streams_come_fifty_a_page_in_name_order(page: Page, crowded: str) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    page.goto(f"/console/projects/{crowded}")
    seen = pages_of(page)
    assert [len(names) for names in seen] == [50, 50, 30]
    assert flat(seen) == sorted(NAMES)


def test_a_name_filter_pages_through_the_matches_only(page: Page, crowded: str) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    page.goto(f"/console/projects/{crowded}")
    page.get_by_label("Filter by name").fill("s-")
    page.get_by_label("Filter by name").press("Enter")
    seen = pages_of(page)
    assert [len(names) for names in seen] == [50, 50, 20]
    assert flat(seen) == [name for name in sorted(NAMES) if "s-" in name]


def test_a_filter_matching_nothing_says_so(page: Page, crowded: str) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    page.goto(f"/console/projects/{crowded}?filter=zzz")
    expect(page.get_by_text("No image streams whose name holds “zzz”.")).to_be_visible()


def test_a_page_link_the_console_did_not_make_is_a_bad_request(page: Page, crowded: str) -> None:
    log_in(page, "developer", PASSWORDS["developer"])
    answer = page.goto(f"/console/projects/{crowded}?continue=forged")
    assert answer is not None and answer.status == 400
