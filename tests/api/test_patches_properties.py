"""Any PATCH body, of any declared type, is applied or refused with a Status reason.

Generated inputs: arbitrary bytes, merge patches of arbitrary JSON, and JSON
patches whose operations, paths and values are drawn at random. Whatever else
escaped would reach the client as a 500.
"""

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from moorage.api.patches import JSON_PATCH, MERGE, STRATEGIC, apply_patch
from moorage.api.status import CODES, ApiError
from tests.support.strategies import JSON

CURRENT = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "cm", "labels": {"a": "1"}, "resourceVersion": "7"},
    "data": {"k": "v", "list": ["x", "y"]},
}
TYPES = st.sampled_from([MERGE, JSON_PATCH, STRATEGIC, "application/json", "text/plain"])
PATHS = st.one_of(
    st.sampled_from(["", "/", "/metadata/labels/a", "/data/list/0", "/data/list/-", "/data/~1x"]),
    st.lists(
        st.sampled_from(["metadata", "data", "labels", "list", "0", "9", "-", "~0", "~2"]),
        max_size=4,
    ).map(lambda parts: "/" + "/".join(parts)),
    st.text(max_size=12),
)
OPERATION = st.fixed_dictionaries(
    {"op": st.one_of(st.sampled_from(["add", "remove", "replace", "move", "copy", "test"]), JSON)},
    optional={"path": st.one_of(PATHS, JSON), "from": st.one_of(PATHS, JSON), "value": JSON},
)


def applied_or_refused(body: bytes, content_type: str) -> dict[str, Any] | None:
    try:
        patched = apply_patch(json.loads(json.dumps(CURRENT)), body, content_type)
    except ApiError as refused:
        assert refused.reason in CODES and refused.message
        return None
    assert isinstance(patched, (dict, list, str, int, float, bool, type(None)))
    return patched if isinstance(patched, dict) else None


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=200), TYPES)
def test_arbitrary_bytes_are_applied_or_refused(body: bytes, content_type: str) -> None:
    applied_or_refused(body, content_type)


@settings(max_examples=1000, deadline=None)
@given(JSON, st.sampled_from([MERGE, STRATEGIC]))
def test_merge_patches_of_any_json_are_applied_or_refused(patch: Any, content_type: str) -> None:
    patched = applied_or_refused(json.dumps(patch).encode(), content_type)
    if patched is not None and isinstance(patch, dict):
        for key, value in patch.items():
            if value is not None and not key.startswith("$") and not isinstance(value, dict):
                assert patched[key] == value


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.one_of(OPERATION, JSON), max_size=4))
def test_json_patches_of_random_operations_are_applied_or_refused(operations: list) -> None:
    applied_or_refused(json.dumps(operations).encode(), JSON_PATCH)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=100_000), st.booleans(), TYPES)
def test_deeply_nested_patches_are_applied_or_refused(
    depth: int, objects: bool, content_type: str
) -> None:
    body = b'{"a":' * depth + b"1" + b"}" * depth if objects else b"[" * depth + b"]" * depth
    applied_or_refused(body, content_type)
