"""Immutable tags: once a tag serves an image, neither a push nor the API moves or deletes it.

`moorage.io/immutable-tags: "true"` on an ImageStream makes all its tags immutable,
`moorage.io/immutable: "true"` on a spec tag that tag alone. Even kubeadmin is refused, with
DENIED (registry) or Forbidden (API) naming the annotation, until it is removed.
"""

import httpx

from tests.imagestreams.conftest import IMAGES
from tests.support.images import image, push_image

STREAM_WIDE = 'the image stream\'s annotation moorage.io/immutable-tags is "true"'


def annotate(api: httpx.Client, project: str, name: str, patch: dict) -> None:
    url = f"{IMAGES}/namespaces/{project}/imagestreams/{name}"
    done = api.patch(url, json=patch, headers={"Content-Type": "application/merge-patch+json"})
    assert done.status_code == 200, done.text


def immutable_stream(api: httpx.Client, project: str, name: str, value: str | None) -> None:
    annotate(
        api, project, name, {"metadata": {"annotations": {"moorage.io/immutable-tags": value}}}
    )


def denied(response: httpx.Response, message: str) -> None:
    """The registry's refusal."""
    assert response.status_code == 403, response.text
    assert response.json()["errors"][0] == {"code": "DENIED", "message": message}


def forbidden(response: httpx.Response, message: str) -> None:
    """The API's refusal."""
    assert response.status_code == 403, response.text
    assert (response.json()["reason"], response.json()["message"]) == ("Forbidden", message)


def istag(api: httpx.Client, project: str, tag: str, digest: str) -> httpx.Response:
    body = {
        "metadata": {"name": f"app:{tag}"},
        "tag": {"name": tag, "from": {"kind": "ImageStreamImage", "name": f"app@{digest}"}},
    }
    return api.put(f"{IMAGES}/namespaces/{project}/imagestreamtags/app:{tag}", json=body)


def test_an_immutable_streams_tags_are_neither_overwritten_nor_deleted_by_push(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    first, second = image(), image()
    assert push_image(http, f"{project}/app", first, "v1").status_code == 201
    immutable_stream(api, project, "app", "true")
    denied(
        push_image(http, f"{project}/app", second, "v1"),
        f"tag v1 of image stream {project}/app is immutable ({STREAM_WIDE}): "
        "it cannot be overwritten",
    )
    assert push_image(http, f"{project}/app", first, "v1").status_code == 201  # no change
    assert push_image(http, f"{project}/app", second, "v2").status_code == 201  # a new tag
    denied(
        http.delete(f"/v2/{project}/app/manifests/v1"),
        f"tag v1 of image stream {project}/app is immutable ({STREAM_WIDE}): it cannot be deleted",
    )
    assert http.delete(f"/v2/{project}/app/manifests/{first.digest}").status_code == 403
    pulled = http.get(f"/v2/{project}/app/manifests/v1", headers={"Accept": first.media_type})
    assert pulled.content == first.manifest
    immutable_stream(api, project, "app", None)
    assert push_image(http, f"{project}/app", second, "v1").status_code == 201


def test_through_the_api_an_immutable_tag_is_neither_moved_deleted_nor_its_stream_deleted(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    first, second = image(), image()
    for img, tag in ((first, "v1"), (second, "v2")):
        assert push_image(http, f"{project}/app", img, tag).status_code == 201
    immutable_stream(api, project, "app", "true")
    message = f"tag v1 of image stream {project}/app is immutable ({STREAM_WIDE}): it cannot be"
    forbidden(istag(api, project, "v1", second.digest), f"{message} overwritten")
    forbidden(
        api.delete(f"{IMAGES}/namespaces/{project}/imagestreamtags/app:v1"), f"{message} deleted"
    )
    stream = api.delete(f"{IMAGES}/namespaces/{project}/imagestreams/app")
    assert stream.status_code == 403 and "is immutable" in stream.json()["message"]
    assert istag(api, project, "v3", second.digest).status_code == 200


def test_a_spec_tags_annotation_makes_that_tag_alone_immutable(
    http: httpx.Client, api: httpx.Client, project: str
) -> None:
    first, second = image(), image()
    for tag in ("v1", "latest"):
        assert push_image(http, f"{project}/app", first, tag).status_code == 201
    annotations = {"moorage.io/immutable": "true"}
    annotate(api, project, "app", {"spec": {"tags": [{"name": "v1", "annotations": annotations}]}})
    denied(
        push_image(http, f"{project}/app", second, "v1"),
        f"tag v1 of image stream {project}/app is immutable (the tag's annotation "
        'moorage.io/immutable is "true"): it cannot be overwritten',
    )
    assert push_image(http, f"{project}/app", second, "latest").status_code == 201
