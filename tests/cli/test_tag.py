"""`moorage tag`: tags set and deleted through the CLI are what the registry serves, or
imported from another registry."""

import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from moorage.cli.commands.tag import StreamRef, parse_ref
from moorage.cli.errors import CliError
from tests.cli.conftest import Cli
from tests.support.images import image, push_image
from tests.support.third_party import ThirdParty

ACCEPT = {"Accept": "application/vnd.oci.image.manifest.v1+json"}


def served(registry: httpx.Client, repository: str, tag: str) -> str | None:
    response = registry.head(f"/v2/{repository}/manifests/{tag}", headers=ACCEPT)
    return response.headers.get("Docker-Content-Digest") if response.status_code == 200 else None


@pytest.fixture
def registry(cli: Cli) -> Iterator[httpx.Client]:
    assert cli.server is not None
    with httpx.Client(base_url=cli.server.url, timeout=30, auth=cli.registry_auth) as client:
        yield client


def test_tag_points_a_new_tag_at_the_image_and_the_registry_serves_it(
    cli: Cli, project: str, registry: httpx.Client
) -> None:
    img = image()
    push_image(registry, f"{project}/app", img, "v1")
    said = cli("tag", f"{project}/app:v1", f"{project}/app:stable", f"{project}/web:prod")
    assert f"Tag app:stable set to {project}/app:v1." in said
    assert served(registry, f"{project}/app", "stable") == img.digest
    assert served(registry, f"{project}/web", "prod") == img.digest


def test_tag_by_digest_and_delete(cli: Cli, project: str, registry: httpx.Client) -> None:
    img = image()
    push_image(registry, f"{project}/app", img, "v1")
    cli("tag", f"app@{img.digest}", "app:pinned")
    assert served(registry, f"{project}/app", "pinned") == img.digest
    assert "Deleted tag" in cli("tag", "-d", "app:pinned")
    assert served(registry, f"{project}/app", "pinned") is None


def test_tagging_an_earlier_image_by_digest_rolls_the_tag_back(
    cli: Cli, project: str, registry: httpx.Client
) -> None:
    old, new = image(), image()
    for img in (old, new):
        assert push_image(registry, f"{project}/app", img, "latest").status_code == 201
    said = cli("tag", f"app@{old.digest}", "app:latest")
    assert said == f"Tag app:latest set to {project}/app@{old.digest}.\n"
    assert served(registry, f"{project}/app", "latest") == old.digest
    stream = json.loads(cli("get", "is", "app", "-o", "json"))
    items = stream["status"]["tags"][0]["items"]
    assert [item["image"] for item in items] == [old.digest, new.digest, old.digest]


def test_a_deleted_tag_is_listed_and_restored_to_the_image_it_served(
    cli: Cli, project: str, registry: httpx.Client
) -> None:
    img = image()
    assert push_image(registry, f"{project}/app", img, "v1").status_code == 201
    cli("tag", "-d", "app:v1")
    listed = cli("get", "deletedimagestreamtags").splitlines()
    assert listed[0].split() == ["NAME", "IMAGE", "DELETED", "RESTORABLE", "UNTIL"]
    assert listed[1].split()[:2] == ["app:v1", img.digest]
    assert cli("tag", "--restore", "app:v1") == f"Tag {project}/app:v1 restored to {img.digest}.\n"
    assert served(registry, f"{project}/app", "v1") == img.digest
    assert cli("get", "distag") == ""
    error = cli.fails("tag", "--restore", "app:v1")
    assert error.startswith("error:") and len(error.strip().splitlines()) == 1


def test_a_registry_editor_restores_a_tag_and_a_viewer_only_lists_it(
    cli: Cli, project: str, login_as: Callable[[str], Cli]
) -> None:
    alice, dave = login_as("alice"), login_as("dave")
    cli("policy", "add-role-to-user", "registry-editor", "alice")
    cli("policy", "add-role-to-user", "registry-viewer", "dave")
    assert cli.server is not None
    img = image()
    with httpx.Client(base_url=cli.server.url, timeout=30, auth=alice.registry_auth) as registry:
        assert push_image(registry, f"{project}/app", img, "v1").status_code == 201
        assert registry.delete(f"/v2/{project}/app/manifests/v1").status_code == 403
        alice("tag", "-d", f"{project}/app:v1")
        listed = dave("get", "distag", "-n", project, "-o", "name")
        assert listed == "deletedimagestreamtag.image.openshift.io/app:v1\n"
        error = dave.fails("tag", "--restore", f"{project}/app:v1")
        assert "forbidden" in error.lower() and len(error.strip().splitlines()) == 1
        alice("tag", "--restore", f"{project}/app:v1")
        assert served(registry, f"{project}/app", "v1") == img.digest


def test_tagging_from_a_missing_tag_is_one_line(cli: Cli, project: str) -> None:
    error = cli.fails("tag", "nothing:here", "app:stable")
    assert error.startswith("error:") and len(error.strip().splitlines()) == 1


def test_tagging_another_registrys_image_imports_it(
    cli: Cli, project: str, upstream: ThirdParty
) -> None:
    img = image()
    upstream.push("team/app", img, "v1")
    source = f"{upstream.address}/team/app:v1"
    assert cli("tag", source, "app:v1", "--insecure") == f"Tag app:v1 set to {source}.\n"
    tagged = json.loads(cli("get", "istag", "app:v1", "-o", "json"))
    assert tagged["image"]["metadata"]["name"] == img.digest
    assert tagged["tag"]["from"] == {"kind": "DockerImage", "name": source}
    cli("tag", source, "app:plain")  # HTTP without --insecure: set, but not imported
    refused = json.loads(cli("get", "istag", "app:plain", "-o", "json"))
    assert "image" not in refused
    assert "is HTTP only" in refused["conditions"][0]["message"]


def test_references_parse_with_and_without_a_project() -> None:
    assert parse_ref("p/app:v1", "d") == StreamRef("p", "app", tag="v1")
    assert parse_ref("app@sha256:ab", "d") == StreamRef("d", "app", digest="sha256:ab")
    with pytest.raises(CliError):
        parse_ref("a/b/c:v1", "d")
    with pytest.raises(CliError):
        parse_ref("app:", "d")
