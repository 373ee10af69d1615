"""GET /v2/<name>/referrers/<digest>: manifests whose subject is that digest."""

import httpx
import pytest

from tests.support.images import (
    OCI_CONFIG,
    OCI_INDEX,
    OCI_MANIFEST,
    Image,
    artifact,
    digest_of,
    image,
    push_blob,
    push_image,
)
from tests.support.oci import assert_oci_error, put_manifest

SBOM = "application/vnd.example.sbom.v1"
SIGNATURE = "application/vnd.example.signature.v1"
CONFIG_TYPED = "application/vnd.example.config-typed.v1+json"


def push_by_digest(client: httpx.Client, repo: str, img: Image) -> None:
    for blob in img.blobs:
        assert push_blob(client, repo, blob).status_code == 201
    response = put_manifest(client, repo, img.digest, img.manifest)
    assert response.status_code == 201


def referrers(client: httpx.Client, repo: str, subject: str, **params: str) -> httpx.Response:
    return client.get(f"/v2/{repo}/referrers/{subject}", params=params)


@pytest.fixture
def subject(client: httpx.Client, repo: str) -> Image:
    img = image(layers=1, layer_size=64)
    assert push_image(client, repo, img, "v1").status_code == 201
    return img


def test_referrers_are_an_oci_index_of_descriptors(
    client: httpx.Client, repo: str, subject: Image
) -> None:
    sbom = artifact(subject.manifest, SBOM, annotations={"org.example.format": "json"})
    push_by_digest(client, repo, sbom)
    response = referrers(client, repo, subject.digest)
    assert response.status_code == 200
    assert response.headers["Content-Type"].split(";")[0] == OCI_INDEX
    assert "OCI-Filters-Applied" not in response.headers
    assert response.json() == {
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": [
            {
                "mediaType": OCI_MANIFEST,
                "digest": sbom.digest,
                "size": len(sbom.manifest),
                "artifactType": SBOM,
                "annotations": {"org.example.format": "json"},
            }
        ],
    }


def test_an_artifact_without_artifact_type_is_typed_by_its_config(
    client: httpx.Client, repo: str, subject: Image
) -> None:
    typed = artifact(subject.manifest, config_type=CONFIG_TYPED)
    push_by_digest(client, repo, typed)
    [found] = referrers(client, repo, subject.digest).json()["manifests"]
    assert found["artifactType"] == CONFIG_TYPED


def test_an_image_referrer_is_typed_by_its_image_config(
    client: httpx.Client, repo: str, subject: Image
) -> None:
    typed = artifact(subject.manifest, config_type=OCI_CONFIG)
    push_by_digest(client, repo, typed)
    [found] = referrers(client, repo, subject.digest).json()["manifests"]
    assert found["artifactType"] == OCI_CONFIG


def test_the_artifact_type_filter_keeps_only_that_type_and_says_so(
    client: httpx.Client, repo: str, subject: Image
) -> None:
    sbom = artifact(subject.manifest, SBOM)
    signature = artifact(subject.manifest, SIGNATURE)
    for referrer in (sbom, signature):
        push_by_digest(client, repo, referrer)
    everything = referrers(client, repo, subject.digest).json()["manifests"]
    assert {d["digest"] for d in everything} == {sbom.digest, signature.digest}
    response = referrers(client, repo, subject.digest, artifactType=SIGNATURE)
    assert response.headers["OCI-Filters-Applied"] == "artifactType"
    assert [d["digest"] for d in response.json()["manifests"]] == [signature.digest]


def test_a_filter_nothing_matches_gives_an_empty_index(
    client: httpx.Client, repo: str, subject: Image
) -> None:
    push_by_digest(client, repo, artifact(subject.manifest, SBOM))
    response = referrers(client, repo, subject.digest, artifactType="application/none")
    assert response.status_code == 200
    assert response.json()["manifests"] == []


def test_a_subject_without_referrers_gives_an_empty_index(
    client: httpx.Client, repo: str, subject: Image
) -> None:
    response = referrers(client, repo, digest_of(b"nothing refers to this"))
    assert response.status_code == 200
    assert response.json() == {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": []}


def test_referrers_in_an_unknown_repository_are_an_empty_index_not_404(
    client: httpx.Client, repo: str
) -> None:
    response = referrers(client, repo, digest_of(b"x"))
    assert response.status_code == 200
    assert response.json()["manifests"] == []


def test_referrers_pushed_before_their_subject_are_listed(client: httpx.Client, repo: str) -> None:
    later = image(layers=1, layer_size=64)
    early = artifact(later.manifest, SBOM)
    push_by_digest(client, repo, early)
    assert push_image(client, repo, later, "v1").status_code == 201
    found = referrers(client, repo, later.digest).json()["manifests"]
    assert [d["digest"] for d in found] == [early.digest]


def test_referrers_stay_within_their_repository(
    client: httpx.Client, repo: str, new_repo, subject: Image
) -> None:
    push_by_digest(client, repo, artifact(subject.manifest, SBOM))
    assert referrers(client, new_repo(), subject.digest).json()["manifests"] == []


def test_a_deleted_referrer_is_no_longer_listed(
    client: httpx.Client, repo: str, subject: Image
) -> None:
    sbom = artifact(subject.manifest, SBOM)
    push_by_digest(client, repo, sbom)
    assert client.delete(f"/v2/{repo}/manifests/{sbom.digest}").status_code == 202
    assert referrers(client, repo, subject.digest).json()["manifests"] == []


@pytest.mark.parametrize("digest", ["sha256:abc", "md5:" + "0" * 32, "latest"])
def test_an_invalid_subject_digest_is_400_digest_invalid(
    client: httpx.Client, repo: str, digest: str
) -> None:
    assert_oci_error(referrers(client, repo, digest), 400, "DIGEST_INVALID")
