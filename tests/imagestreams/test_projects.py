"""Pushes go to `<project>/<stream>` repositories of projects that exist."""

import httpx

from tests.support.images import digest_of, image, push_blob
from tests.support.oci import assert_oci_error


def test_a_push_to_a_project_that_does_not_exist_is_refused_naming_it(
    http: httpx.Client,
) -> None:
    refused = push_blob(http, "nowhere/app", b"layer")
    assert_oci_error(refused, 404, "NAME_UNKNOWN")
    assert "project 'nowhere' does not exist" in refused.json()["errors"][0]["message"]
    manifest = http.put(
        "/v2/nowhere/app/manifests/v1",
        content=image().manifest,
        headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"},
    )
    assert_oci_error(manifest, 404, "NAME_UNKNOWN")


def test_a_repository_outside_a_project_is_refused(http: httpx.Client) -> None:
    assert_oci_error(push_blob(http, "app", b"layer"), 400, "NAME_INVALID")
    assert_oci_error(push_blob(http, "shop/team/app", b"layer"), 400, "NAME_INVALID")


def test_a_name_no_image_stream_can_have_is_refused(http: httpx.Client, project: str) -> None:
    assert_oci_error(push_blob(http, f"{project}/my_app", b"layer"), 400, "NAME_INVALID")


def test_a_mount_into_a_missing_project_is_refused(http: httpx.Client, project: str) -> None:
    blob = b"mounted"
    assert push_blob(http, f"{project}/app", blob).status_code == 201
    refused = http.post(
        "/v2/nowhere/app/blobs/uploads/",
        params={"mount": digest_of(blob), "from": f"{project}/app"},
    )
    assert_oci_error(refused, 404, "NAME_UNKNOWN")
