"""Any body at all, given to the manifest parser, is a Manifest or a MANIFEST_INVALID refusal.

Generated inputs: arbitrary bytes, arbitrary JSON, manifest-shaped documents
whose every field may be of the wrong type, and deep nesting. Nothing else
may escape, since whatever escapes a parser reaches the client as a 500.
"""

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from moorage.content import mediatypes as mt
from moorage.content.errors import RegistryError
from moorage.content.manifest import Manifest, parse_manifest

CONTENT_TYPES = st.sampled_from(
    [
        mt.OCI_MANIFEST,
        mt.OCI_INDEX,
        mt.DOCKER_MANIFEST,
        mt.DOCKER_MANIFEST_LIST,
        "",
        "application/json",
        "text/plain; charset=utf-8",
    ]
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)
DIGESTS = st.sampled_from(["sha256:" + "a" * 64, "sha512:" + "b" * 128, "sha256:abc", "md5:x", ""])


def anything_or(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the valid shape, sometimes any JSON value in its place."""
    return st.one_of(valid, valid, JSON)


DESCRIPTOR = st.fixed_dictionaries(
    {
        "mediaType": anything_or(
            st.sampled_from(
                ["application/vnd.oci.image.layer.v1.tar", mt.OCI_CONFIG, mt.OCI_MANIFEST]
            )
        ),
        "digest": anything_or(DIGESTS),
        "size": anything_or(st.integers(min_value=-2, max_value=2**70)),
    },
    optional={
        "annotations": anything_or(st.dictionaries(st.text(max_size=8), st.text(max_size=8))),
        "urls": anything_or(st.lists(st.text(max_size=8), max_size=2)),
        "artifactType": JSON,
        "platform": JSON,
    },
)
MANIFEST_SHAPED = st.fixed_dictionaries(
    {"schemaVersion": anything_or(st.just(2))},
    optional={
        "mediaType": anything_or(
            st.sampled_from(
                [mt.OCI_MANIFEST, mt.OCI_INDEX, mt.DOCKER_MANIFEST, mt.DOCKER_MANIFEST_LIST]
            )
        ),
        "config": anything_or(DESCRIPTOR),
        "layers": anything_or(st.lists(anything_or(DESCRIPTOR), max_size=3)),
        "manifests": anything_or(st.lists(anything_or(DESCRIPTOR), max_size=3)),
        "subject": anything_or(DESCRIPTOR),
        "artifactType": JSON,
        "annotations": JSON,
    },
)


def parsed_or_refused(body: bytes, content_type: str) -> Manifest | None:
    try:
        return parse_manifest(body, content_type)
    except RegistryError as refused:
        assert refused.code == "MANIFEST_INVALID", refused.code
        assert refused.message
        return None


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=300), CONTENT_TYPES)
def test_arbitrary_bytes_are_parsed_or_refused(body: bytes, content_type: str) -> None:
    parsed_or_refused(body, content_type)


@settings(max_examples=1000, deadline=None)
@given(JSON, CONTENT_TYPES)
def test_arbitrary_json_is_parsed_or_refused(doc: Any, content_type: str) -> None:
    parsed_or_refused(json.dumps(doc).encode(), content_type)


@settings(max_examples=1000, deadline=None)
@given(MANIFEST_SHAPED, CONTENT_TYPES)
def test_manifest_shaped_documents_are_parsed_or_refused(doc: dict, content_type: str) -> None:
    parsed = parsed_or_refused(json.dumps(doc).encode(), content_type)
    if parsed is not None:
        named = {d.digest for d in (*parsed.blobs, *parsed.children)}
        listed = [doc.get("config"), *(doc.get("layers") or []), *(doc.get("manifests") or [])]
        assert named <= {d.get("digest") for d in listed if isinstance(d, dict)}


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=200_000), st.sampled_from([b"[]", b"{}"]))
def test_deeply_nested_documents_are_refused(depth: int, brackets: bytes) -> None:
    opening, closing = brackets[:1], brackets[1:]
    if opening == b"{":
        body = b'{"a":' * depth + b"1" + b"}" * depth
    else:
        body = opening * depth + closing * depth
    assert parsed_or_refused(body, mt.OCI_MANIFEST) is None
