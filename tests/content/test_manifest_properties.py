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
from tests.support.strategies import JSON, MANIFEST_CONTENT_TYPES, manifest_shaped

DIGESTS = st.sampled_from(["sha256:" + "a" * 64, "sha512:" + "b" * 128, "sha256:abc", "md5:x", ""])
MANIFEST_SHAPED = manifest_shaped(DIGESTS)


def parsed_or_refused(body: bytes, content_type: str) -> Manifest | None:
    try:
        return parse_manifest(body, content_type)
    except RegistryError as refused:
        assert refused.code == "MANIFEST_INVALID", refused.code
        assert refused.message
        return None


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=300), MANIFEST_CONTENT_TYPES)
def test_arbitrary_bytes_are_parsed_or_refused(body: bytes, content_type: str) -> None:
    parsed_or_refused(body, content_type)


@settings(max_examples=1000, deadline=None)
@given(JSON, MANIFEST_CONTENT_TYPES)
def test_arbitrary_json_is_parsed_or_refused(doc: Any, content_type: str) -> None:
    parsed_or_refused(json.dumps(doc).encode(), content_type)


@settings(max_examples=1000, deadline=None)
@given(MANIFEST_SHAPED, MANIFEST_CONTENT_TYPES)
def test_manifest_shaped_documents_are_parsed_or_refused(doc: dict, content_type: str) -> None:
    parsed = parsed_or_refused(json.dumps(doc).encode(), content_type)
    if parsed is not None:
        named = {d.digest for d in (*parsed.blobs, *parsed.children)}
        listed = [doc.get("config"), *_items(doc, "layers"), *_items(doc, "manifests")]
        digests = [d.get("digest") for d in listed if isinstance(d, dict)]
        assert named <= {digest for digest in digests if isinstance(digest, str)}


def _items(doc: dict, field: str) -> list[Any]:
    """The field's items; none when it is not a list (a kind that does not use the field may
    carry anything there)."""
    value = doc.get(field)
    return value if isinstance(value, list) else []


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=1, max_value=200_000), st.sampled_from([b"[]", b"{}"]))
def test_deeply_nested_documents_are_refused(depth: int, brackets: bytes) -> None:
    opening, closing = brackets[:1], brackets[1:]
    if opening == b"{":
        body = b'{"a":' * depth + b"1" + b"}" * depth
    else:
        body = opening * depth + closing * depth
    assert parsed_or_refused(body, mt.OCI_MANIFEST) is None
