"""Tags set and removed through the API are what the registry serves, at once."""

import httpx

from tests.imagestreams.conftest import IMAGES
from tests.support.images import digest_of, image, push_image

MANIFEST_TYPES = ",".join(
    [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    ]
)


def istag(name: str, source_kind: str, source: str, namespace: str | None = None) -> dict:
    origin = {"kind": source_kind, "name": source}
    if namespace:
        origin["namespace"] = namespace
    return {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStreamTag",
        "metadata": {"name": name},
        "tag": {"name": name.split(":")[1], "from": origin},
    }


def served(http: httpx.Client, repository: str, tag: str) -> str | None:
    response = http.head(f"/v2/{repository}/manifests/{tag}", headers={"Accept": MANIFEST_TYPES})
    return response.headers.get("Docker-Content-Digest") if response.status_code == 200 else None


def test_tagging_a_tag_makes_the_registry_serve_the_new_tag(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    img = image()
    push_image(http, f"{project}/app", img, "v1")
    created = api.post(
        f"{IMAGES}/namespaces/{project}/imagestreamtags",
        json=istag("app:stable", "ImageStreamTag", "app:v1"),
    )
    assert created.status_code == 201, created.text
    assert created.json()["image"]["metadata"]["name"] == img.digest
    assert served(http, f"{project}/app", "stable") == img.digest


def test_tagging_into_another_stream_links_the_image_there(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    img = image()
    push_image(http, f"{project}/app", img, "v1")
    created = api.post(
        f"{IMAGES}/namespaces/{project}/imagestreamtags",
        json=istag("release:1.0", "ImageStreamImage", f"app@{img.digest}"),
    )
    assert created.status_code == 201, created.text
    assert served(http, f"{project}/release", "1.0") == img.digest
    layer = digest_of(img.layers[0])
    assert http.head(f"/v2/{project}/release/blobs/{layer}").status_code == 200


def test_deleting_an_image_stream_tag_stops_the_registry_serving_it(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    img = image()
    push_image(http, f"{project}/app", img, "v1")
    push_image(http, f"{project}/app", img, "v2")
    deleted = api.delete(f"{IMAGES}/namespaces/{project}/imagestreamtags/app:v1")
    assert deleted.status_code == 200
    assert served(http, f"{project}/app", "v1") is None
    assert served(http, f"{project}/app", "v2") == img.digest


def test_deleting_a_stream_removes_its_tags_from_the_registry(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    img = image()
    push_image(http, f"{project}/app", img, "v1")
    assert api.delete(f"{IMAGES}/namespaces/{project}/imagestreams/app").status_code == 200
    assert served(http, f"{project}/app", "v1") is None
    assert http.get(f"/v2/{project}/app/tags/list").json()["tags"] == []


def test_deleting_the_project_removes_its_streams(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    img = image()
    push_image(http, f"{project}/app", img, "v1")
    assert api.delete(f"/apis/project.openshift.io/v1/projects/{project}").status_code == 200
    assert served(http, f"{project}/app", "v1") is None
    listed = api.get(f"{IMAGES}/namespaces/{project}/imagestreams").json()
    assert listed["items"] == []


def test_a_tag_deleted_through_the_registry_leaves_the_stream(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    img = image()
    push_image(http, f"{project}/app", img, "v1")
    push_image(http, f"{project}/app", img, "v2")
    assert http.delete(f"/v2/{project}/app/manifests/v1").status_code == 202
    tags = api.get(f"{IMAGES}/namespaces/{project}/imagestreams/app").json()["status"]["tags"]
    assert [t["tag"] for t in tags] == ["v2"]


def test_the_image_stream_image_view_shows_an_image_the_stream_has(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    img = image()
    push_image(http, f"{project}/app", img, "v1")
    found = api.get(f"{IMAGES}/namespaces/{project}/imagestreamimages/app@{img.digest}")
    assert found.status_code == 200
    assert found.json()["image"]["metadata"]["name"] == img.digest
    missing = api.get(f"{IMAGES}/namespaces/{project}/imagestreamimages/other@{img.digest}")
    assert missing.status_code == 404


def test_tagging_from_something_missing_is_not_found_and_changes_nothing(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    refused = api.post(
        f"{IMAGES}/namespaces/{project}/imagestreamtags",
        json=istag("app:stable", "ImageStreamTag", "nothing:here"),
    )
    assert refused.status_code == 404
    assert refused.json()["kind"] == "Status"
    assert api.get(f"{IMAGES}/namespaces/{project}/imagestreams/app").status_code == 404


def mapping(stream: str, digest: str, tag: str) -> dict:
    return {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStreamMapping",
        "metadata": {"name": stream},
        "image": {"metadata": {"name": digest}},
        "tag": tag,
    }


def test_an_image_stream_mapping_tags_an_image_the_repository_has(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    img = image()
    push_image(http, f"{project}/app", img, img.digest)
    mapped = api.post(
        f"{IMAGES}/namespaces/{project}/imagestreammappings",
        json=mapping("app", img.digest, "mapped"),
    )
    assert mapped.status_code == 201, mapped.text
    assert served(http, f"{project}/app", "mapped") == img.digest
    elsewhere = api.post(
        f"{IMAGES}/namespaces/{project}/imagestreammappings",
        json=mapping("other", img.digest, "mapped"),
    )
    assert elsewhere.status_code == 404
    assert served(http, f"{project}/other", "mapped") is None


def test_replacing_a_tag_must_name_the_tag_on_the_url(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    """RBAC authorized the name on the URL: the body may not tag something else."""
    push_image(http, f"{project}/app", image(), "v1")
    replaced = api.put(
        f"{IMAGES}/namespaces/{project}/imagestreamtags/app:stable",
        json=istag("other:zzz", "ImageStreamTag", "app:v1"),
    )
    assert replaced.status_code == 400, replaced.text
    assert "does not match the name on the URL" in replaced.json()["message"]
    assert api.get(f"{IMAGES}/namespaces/{project}/imagestreamtags/other:zzz").status_code == 404


def test_a_tag_the_registry_could_not_serve_is_invalid_on_every_path(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    img = image()
    push_image(http, f"{project}/app", img, "v1")
    bad = "a b/c"
    stream = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStream",
        "metadata": {"name": "odd"},
        "spec": {"tags": [{"name": bad, "from": {"kind": "ImageStreamTag", "name": "app:v1"}}]},
    }
    mapping = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStreamMapping",
        "metadata": {"name": "app"},
        "image": {"metadata": {"name": img.digest}},
        "tag": bad,
    }
    refusals = [
        api.post(f"{IMAGES}/namespaces/{project}/imagestreams", json=stream),
        api.post(f"{IMAGES}/namespaces/{project}/imagestreammappings", json=mapping),
        api.post(
            f"{IMAGES}/namespaces/{project}/imagestreamtags",
            json=istag("app:bad tag", "ImageStreamTag", "app:v1"),
        ),
    ]
    for refused in refusals:
        assert refused.status_code == 422, refused.text
        assert refused.json()["reason"] == "Invalid"
    assert http.get(f"/v2/{project}/app/tags/list").json()["tags"] == ["v1"]
