"""Content negotiation: a manifest is served only as a type the client's Accept admits."""

import json
from collections.abc import Callable

import httpx
import pytest

from tests.support.images import (
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    image,
    index,
    push_image,
)
from tests.support.oci import assert_oci_error, put_manifest

DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
ALL_TYPES = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST]


def push_oci_manifest(client: httpx.Client, repo: str) -> None:
    assert push_image(client, repo, image(layers=1, layer_size=64), "it").status_code == 201


def push_docker_manifest(client: httpx.Client, repo: str) -> None:
    img = image(layers=1, layer_size=64, docker=True)
    assert push_image(client, repo, img, "it").status_code == 201


def push_oci_index(client: httpx.Client, repo: str) -> None:
    child = image(layers=1, layer_size=64)
    assert push_image(client, repo, child, "child").status_code == 201
    assert put_manifest(client, repo, "it", index([child]), OCI_INDEX).status_code == 201


def push_docker_list(client: httpx.Client, repo: str) -> None:
    child = image(layers=1, layer_size=64, docker=True)
    assert push_image(client, repo, child, "child").status_code == 201
    doc = json.loads(index([child]))
    doc["mediaType"] = DOCKER_LIST
    body = json.dumps(doc).encode()
    assert put_manifest(client, repo, "it", body, DOCKER_LIST).status_code == 201


PUSHERS: dict[str, Callable[[httpx.Client, str], None]] = {
    OCI_MANIFEST: push_oci_manifest,
    OCI_INDEX: push_oci_index,
    DOCKER_MANIFEST: push_docker_manifest,
    DOCKER_LIST: push_docker_list,
}


@pytest.mark.parametrize("media_type", ALL_TYPES)
def test_a_manifest_is_served_when_accept_names_its_type(
    client: httpx.Client, repo: str, media_type: str
) -> None:
    PUSHERS[media_type](client, repo)
    for method in ("GET", "HEAD"):
        response = client.request(
            method, f"/v2/{repo}/manifests/it", headers={"Accept": media_type}
        )
        assert response.status_code == 200
        assert response.headers["Content-Type"] == media_type


@pytest.mark.parametrize("media_type", ALL_TYPES)
def test_a_manifest_is_served_when_its_type_is_one_of_several_accepted(
    client: httpx.Client, repo: str, media_type: str
) -> None:
    PUSHERS[media_type](client, repo)
    accept = ", ".join(ALL_TYPES)
    response = client.get(f"/v2/{repo}/manifests/it", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == media_type


@pytest.mark.parametrize("media_type", ALL_TYPES)
def test_a_manifest_whose_type_accept_excludes_is_404_manifest_unknown(
    client: httpx.Client, repo: str, media_type: str
) -> None:
    PUSHERS[media_type](client, repo)
    others = ", ".join(t for t in ALL_TYPES if t != media_type)
    for method in ("GET", "HEAD"):
        response = client.request(method, f"/v2/{repo}/manifests/it", headers={"Accept": others})
        assert_oci_error(response, 404, "MANIFEST_UNKNOWN")


@pytest.mark.parametrize("accept", [None, "*/*", "application/*"])
def test_a_missing_or_wildcard_accept_admits_any_manifest(
    client: httpx.Client, repo: str, accept: str | None
) -> None:
    push_docker_list(client, repo)
    headers = {"Accept": accept} if accept else {}
    response = client.get(f"/v2/{repo}/manifests/it", headers=headers)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == DOCKER_LIST


def test_accept_parameters_are_ignored(client: httpx.Client, repo: str) -> None:
    push_oci_manifest(client, repo)
    response = client.get(f"/v2/{repo}/manifests/it", headers={"Accept": f"{OCI_MANIFEST}; q=0.9"})
    assert response.status_code == 200
