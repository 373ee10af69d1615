"""Parsing manifests: media type inference, descriptor validation, what gets extracted."""

import json
from typing import Any

import pytest

from moorage.content import mediatypes as mt
from moorage.content.errors import ManifestInvalid
from moorage.content.manifest import Descriptor, parse_manifest

D1 = "sha256:" + "1" * 64
D2 = "sha256:" + "2" * 64
D3 = "sha256:" + "3" * 64
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def desc(media_type: str, digest: str, size: int = 10, **extra: Any) -> dict[str, Any]:
    return {"mediaType": media_type, "digest": digest, "size": size, **extra}


def image_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_MANIFEST,
        "config": desc(OCI_CONFIG, D1),
        "layers": [desc(LAYER, D2)],
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def index_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schemaVersion": 2,
        "mediaType": mt.OCI_INDEX,
        "manifests": [desc(mt.OCI_MANIFEST, D1, platform={"os": "linux"})],
    }
    doc.update(changes)
    return {k: v for k, v in doc.items() if v is not None}


def parse(doc: Any, content_type: str = "") -> Any:
    return parse_manifest(json.dumps(doc).encode(), content_type)


# Media types ---------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["", "application/json", "application/octet-stream"])
def test_a_generic_content_type_defers_to_the_declared_media_type(content_type: str) -> None:
    doc = image_doc(mediaType=mt.DOCKER_MANIFEST, config=desc(DOCKER_CONFIG, D1))
    assert parse(doc, content_type).media_type == mt.DOCKER_MANIFEST


def test_content_type_parameters_and_case_are_ignored() -> None:
    content_type = "Application/VND.OCI.Image.Manifest.v1+JSON; charset=utf-8"
    assert parse(image_doc(), content_type).media_type == mt.OCI_MANIFEST


def test_without_any_media_type_a_config_means_an_oci_manifest() -> None:
    assert parse(image_doc(mediaType=None)).media_type == mt.OCI_MANIFEST


def test_without_any_media_type_a_manifests_list_means_an_oci_index() -> None:
    assert parse(index_doc(mediaType=None)).media_type == mt.OCI_INDEX


def test_the_content_type_names_the_kind_when_the_body_does_not() -> None:
    assert parse(image_doc(mediaType=None), mt.OCI_MANIFEST).media_type == mt.OCI_MANIFEST


def test_without_any_media_type_an_unrecognisable_shape_is_refused() -> None:
    with pytest.raises(ManifestInvalid):
        parse({"schemaVersion": 2, "layers": []})


def test_a_body_media_type_contradicting_content_type_is_refused() -> None:
    with pytest.raises(ManifestInvalid, match="does not match"):
        parse(image_doc(), mt.DOCKER_MANIFEST)


@pytest.mark.parametrize("content_type", ["text/plain", "application/vnd.oci.image.layer.v1.tar"])
def test_an_unsupported_content_type_is_refused(content_type: str) -> None:
    with pytest.raises(ManifestInvalid, match="unsupported"):
        parse(image_doc(mediaType=None), content_type)


def test_an_unsupported_declared_media_type_is_refused() -> None:
    with pytest.raises(ManifestInvalid, match="unsupported"):
        parse(image_doc(mediaType="application/vnd.example+json"))


def test_a_non_string_media_type_is_refused() -> None:
    with pytest.raises(ManifestInvalid):
        parse(image_doc(mediaType=7))


# Whole-document checks -----------------------------------------------------


@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe", b'{"a":', b"[]", b"2", b"null"])
def test_a_body_that_is_not_a_json_object_is_refused(body: bytes) -> None:
    with pytest.raises(ManifestInvalid) as raised:
        parse_manifest(body, mt.OCI_MANIFEST)
    assert raised.value.code == "MANIFEST_INVALID"


@pytest.mark.parametrize("version", [None, 1, 3, "2"])
def test_schema_version_must_be_2(version: Any) -> None:
    doc = image_doc()
    doc["schemaVersion"] = version
    with pytest.raises(ManifestInvalid, match="schemaVersion"):
        parse(doc)


def test_layers_must_be_a_list() -> None:
    with pytest.raises(ManifestInvalid, match="layers"):
        parse(image_doc(layers={"a": 1}))


def test_an_oci_manifest_may_have_no_layers() -> None:
    assert parse(image_doc(layers=[])).blobs == (Descriptor(OCI_CONFIG, D1, 10),)


def test_a_docker_manifest_needs_a_layer() -> None:
    doc = image_doc(mediaType=mt.DOCKER_MANIFEST, config=desc(DOCKER_CONFIG, D1), layers=[])
    with pytest.raises(ManifestInvalid, match="at least one layer"):
        parse(doc)


def test_an_index_needs_a_manifests_list() -> None:
    with pytest.raises(ManifestInvalid, match="manifests"):
        parse(index_doc(manifests=None), mt.OCI_INDEX)


# Descriptors -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("descriptor", "complaint"),
    [
        ("not an object", "descriptor object"),
        ({"digest": D1, "size": 1}, "mediaType"),
        (desc("", D1), "mediaType"),
        (desc(7, D1), "mediaType"),
        (desc(LAYER, D1, size=-1), "size"),
        (desc(LAYER, D1, size=1.5), "size"),
        (desc(LAYER, D1, size=True), "size"),
        (desc(LAYER, D1, size="10"), "size"),
        ({"mediaType": LAYER, "digest": D1}, "size"),
        ({"mediaType": LAYER, "size": 1}, "digest"),
        (desc(LAYER, 12), "digest"),
        (desc(LAYER, "sha256:abc"), "digest"),
        (desc(LAYER, "md5:" + "0" * 32), "digest"),
        (desc(LAYER, D1, urls="http://x"), "urls"),
        (desc(LAYER, D1, urls=[1]), "urls"),
        (desc(LAYER, D1, annotations={"k": 1}), "annotations"),
        (desc(LAYER, D1, annotations=["k"]), "annotations"),
        (desc(LAYER, D1, artifactType=5), "artifactType"),
    ],
)
def test_an_invalid_layer_descriptor_is_refused_naming_where(
    descriptor: Any, complaint: str
) -> None:
    with pytest.raises(ManifestInvalid, match=complaint) as raised:
        parse(image_doc(layers=[desc(LAYER, D2), descriptor]))
    assert "layers[1]" in raised.value.message


def test_an_invalid_config_descriptor_is_refused() -> None:
    with pytest.raises(ManifestInvalid, match="config"):
        parse(image_doc(config=None))


def test_an_invalid_index_entry_is_refused_naming_where() -> None:
    with pytest.raises(ManifestInvalid, match=r"manifests\[0\]\.digest"):
        parse(index_doc(manifests=[desc(mt.OCI_MANIFEST, "sha256:nothex")]), mt.OCI_INDEX)


def test_an_invalid_subject_is_refused() -> None:
    with pytest.raises(ManifestInvalid, match="subject"):
        parse(image_doc(subject={"mediaType": mt.OCI_MANIFEST}))


# What is extracted ---------------------------------------------------------------


def test_an_image_references_its_config_and_layers_as_blobs() -> None:
    manifest = parse(image_doc(layers=[desc(LAYER, D2, 20), desc(LAYER, D3, 30)]))
    assert manifest.blobs == (
        Descriptor(OCI_CONFIG, D1, 10),
        Descriptor(LAYER, D2, 20),
        Descriptor(LAYER, D3, 30),
    )
    assert manifest.children == ()
    assert manifest.subject is None


def test_foreign_layers_with_urls_are_not_checked_as_local_blobs() -> None:
    foreign = desc(LAYER, D3, urls=["https://example.com/layer"])
    manifest = parse(image_doc(layers=[desc(LAYER, D2), foreign]))
    assert [d.digest for d in manifest.blobs] == [D1, D2]


def test_an_index_references_its_manifests_as_children_with_their_platforms() -> None:
    manifest = parse(index_doc(), mt.OCI_INDEX)
    assert manifest.children == (Descriptor(mt.OCI_MANIFEST, D1, 10, platform={"os": "linux"}),)
    assert manifest.blobs == ()


def test_a_docker_manifest_list_is_an_index() -> None:
    doc = index_doc(mediaType=mt.DOCKER_MANIFEST_LIST)
    manifest = parse(doc, mt.DOCKER_MANIFEST_LIST)
    assert manifest.media_type == mt.DOCKER_MANIFEST_LIST
    assert [d.digest for d in manifest.children] == [D1]


def test_subject_and_annotations_are_extracted() -> None:
    doc = image_doc(subject=desc(mt.OCI_MANIFEST, D3, 99), annotations={"a": "b"})
    manifest = parse(doc)
    assert manifest.subject == Descriptor(mt.OCI_MANIFEST, D3, 99)
    assert manifest.annotations == {"a": "b"}


def test_an_index_may_have_a_subject() -> None:
    manifest = parse(index_doc(subject=desc(mt.OCI_MANIFEST, D3)), mt.OCI_INDEX)
    assert manifest.subject is not None and manifest.subject.digest == D3


def test_artifact_type_is_taken_from_the_manifest() -> None:
    doc = image_doc(artifactType="application/vnd.example.sbom", config=desc(mt.OCI_EMPTY, D1))
    assert parse(doc).artifact_type == "application/vnd.example.sbom"


@pytest.mark.parametrize(
    "config_type", [mt.OCI_EMPTY, "application/vnd.example.config+json", OCI_CONFIG]
)
def test_without_artifact_type_a_manifest_is_typed_by_its_config(config_type: str) -> None:
    assert parse(image_doc(config=desc(config_type, D1))).artifact_type == config_type


def test_an_index_without_artifact_type_has_none() -> None:
    assert parse(index_doc(), mt.OCI_INDEX).artifact_type is None
    typed = index_doc(artifactType="application/vnd.example.bundle")
    assert parse(typed, mt.OCI_INDEX).artifact_type == "application/vnd.example.bundle"


def test_descriptor_json_keeps_what_the_referrers_api_shows() -> None:
    descriptor = Descriptor(mt.OCI_MANIFEST, D1, 5, "application/x", {"k": "v"}, ("u",))
    assert descriptor.to_json() == {
        "mediaType": mt.OCI_MANIFEST,
        "digest": D1,
        "size": 5,
        "artifactType": "application/x",
        "annotations": {"k": "v"},
    }
    assert Descriptor(mt.OCI_MANIFEST, D1, 5).to_json() == {
        "mediaType": mt.OCI_MANIFEST,
        "digest": D1,
        "size": 5,
    }
