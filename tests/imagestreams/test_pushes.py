"""A push is recorded as an Image (once per digest) and in the ImageStream of its repository."""

import json
import threading
from pathlib import Path

import httpx

from tests.imagestreams.conftest import IMAGES
from tests.support.clients import skopeo_push_new_image
from tests.support.images import digest_of, image, index, push_image
from tests.support.server import RunningServer


def stream(api: httpx.Client, namespace: str, name: str) -> dict:
    response = api.get(f"{IMAGES}/namespaces/{namespace}/imagestreams/{name}")
    assert response.status_code == 200, response.text
    return response.json()


def history(obj: dict, tag: str) -> list[str]:
    entries = {t["tag"]: t["items"] for t in obj["status"]["tags"]}
    return [item["image"] for item in entries[tag]]


def test_a_tagged_push_creates_the_image_and_the_stream(
    server: RunningServer, http: httpx.Client, api: httpx.Client, project: str
) -> None:
    img = image()
    assert push_image(http, f"{project}/web", img, "v1").status_code == 201
    created = stream(api, project, "web")
    assert history(created, "v1") == [img.digest]
    assert created["status"]["dockerImageRepository"] == f"{server.address}/{project}/web"
    item = created["status"]["tags"][0]["items"][0]
    assert item["dockerImageReference"] == f"{server.address}/{project}/web@{img.digest}"
    recorded = api.get(f"{IMAGES}/images/{img.digest}").json()
    assert recorded["dockerImageManifestMediaType"] == img.media_type
    assert recorded["dockerImageMetadata"]["Architecture"] == "amd64"
    assert [layer["name"] for layer in recorded["dockerImageLayers"]] == [
        digest_of(layer) for layer in img.layers
    ]


def test_each_push_to_a_tag_adds_to_its_history_newest_first(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    first, second = image(), image()
    push_image(http, f"{project}/web", first, "latest")
    push_image(http, f"{project}/web", second, "latest")
    assert history(stream(api, project, "web"), "latest") == [second.digest, first.digest]


def test_a_push_by_digest_records_the_image_and_tags_nothing(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    img = image()
    push_image(http, f"{project}/web", img, "v1")
    other = image()
    assert push_image(http, f"{project}/web", other, other.digest).status_code == 201
    assert api.get(f"{IMAGES}/images/{other.digest}").status_code == 200
    assert [t["tag"] for t in stream(api, project, "web")["status"]["tags"]] == ["v1"]


def test_an_index_is_recorded_with_its_manifests(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    amd, arm = image(arch="amd64"), image(arch="arm64")
    for img in (amd, arm):
        push_image(http, f"{project}/multi", img, img.digest)
    body = index([amd, arm])
    put = http.put(
        f"/v2/{project}/multi/manifests/v1",
        content=body,
        headers={"Content-Type": "application/vnd.oci.image.index.v1+json"},
    )
    assert put.status_code == 201
    recorded = api.get(f"{IMAGES}/images/{put.headers['Docker-Content-Digest']}").json()
    assert [m["architecture"] for m in recorded["dockerImageManifests"]] == ["amd64", "arm64"]


def test_a_watcher_sees_a_push_land(
    server: RunningServer, http: httpx.Client, api: httpx.Client, project: str
) -> None:
    url = f"{server.api_url}{IMAGES}/namespaces/{project}/imagestreams?watch=1&timeoutSeconds=5"
    seen: list[dict] = []

    def watch() -> None:
        with httpx.stream("GET", url, headers=server.admin_headers, timeout=30) as response:
            for line in response.iter_lines():
                seen.append(json.loads(line))
                if seen[-1]["object"]["status"]["tags"]:
                    return

    watcher = threading.Thread(target=watch)
    watcher.start()
    img = image()
    push_image(http, f"{project}/web", img, "v9")
    watcher.join(30)
    assert seen and seen[-1]["type"] in ("ADDED", "MODIFIED")
    assert history(seen[-1]["object"], "v9") == [img.digest]


def test_skopeo_pushes_land_in_the_stream(
    server: RunningServer, api: httpx.Client, project: str, tmp_path: Path
) -> None:
    skopeo_push_new_image(server, tmp_path, f"{project}/cli:v1")
    assert [t["tag"] for t in stream(api, project, "cli")["status"]["tags"]] == ["v1"]
