"""Hypothesis strategies shared by the property-based tests: JSON values and manifest shapes."""

from typing import Any

from hypothesis import strategies as st

from moorage.content import mediatypes as mt

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)
MANIFEST_CONTENT_TYPES = st.sampled_from(
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


def anything_or(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the valid shape, sometimes any JSON value in its place."""
    return st.one_of(valid, valid, JSON)


def descriptors(digests: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "mediaType": anything_or(
                st.sampled_from(["application/vnd.oci.image.layer.v1.tar", mt.OCI_CONFIG])
            ),
            "digest": anything_or(digests),
            "size": anything_or(st.integers(min_value=-2, max_value=2**70)),
        },
        optional={
            "annotations": anything_or(st.dictionaries(st.text(max_size=8), st.text(max_size=8))),
            "urls": anything_or(st.lists(st.text(max_size=8), max_size=2)),
            "artifactType": JSON,
            "platform": JSON,
        },
    )


def manifest_shaped(digests: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Documents with a manifest's or an index's fields, each of which may be of any type."""
    descriptor = descriptors(digests)
    return st.fixed_dictionaries(
        {"schemaVersion": anything_or(st.just(2))},
        optional={
            "mediaType": anything_or(st.sampled_from(sorted(mt.MANIFESTS))),
            "config": anything_or(descriptor),
            "layers": anything_or(st.lists(anything_or(descriptor), max_size=3)),
            "manifests": anything_or(st.lists(anything_or(descriptor), max_size=3)),
            "subject": anything_or(descriptor),
            "artifactType": JSON,
            "annotations": JSON,
        },
    )
