"""Applying a PATCH body: JSON merge patch, JSON patch, and strategic merge treated as merge.

A JSON patch's `copy` operations can double the object each time, so a few
dozen of them in a small body would fill memory. As in Kubernetes, a patch
has a bounded number of operations, and the values its copies add are
counted as they are made: the patch is refused with 413 (the request would
make too large an entity, not an ill-formed one) once they exceed the limit.
"""

import copy
import json
from typing import Any

import jsonpatch
from jsonpointer import JsonPointer

from moorage.api.limits import MAX_PATCH_COPIES, MAX_PATCH_OPERATIONS, serialised_size
from moorage.api.status import ApiError

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$"):
            continue  # strategic-merge directives: nothing to do for our kinds
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_patch(current: dict[str, Any], body: bytes, content_type: str) -> dict[str, Any]:
    if content_type not in (MERGE, STRATEGIC, JSON_PATCH):
        raise ApiError(
            "UnsupportedMediaType",
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{JSON_PATCH}, {MERGE}, {STRATEGIC}",
        )
    try:
        return _applied(current, _decoded(body), content_type)
    except RecursionError:  # in decoding it, or in merging it
        raise ApiError("BadRequest", "the patch is nested too deeply") from None


def _decoded(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise ApiError("BadRequest", f"the patch is not valid JSON: {exc}") from None


def _applied(current: dict[str, Any], patch: Any, content_type: str) -> dict[str, Any]:
    if content_type in (MERGE, STRATEGIC):
        if not isinstance(patch, dict):
            raise ApiError("BadRequest", "a merge patch must be a JSON object")
        return merge_patch(current, patch)
    if not isinstance(patch, list):
        raise ApiError("BadRequest", "a JSON patch must be a JSON array of operations")
    if len(patch) > MAX_PATCH_OPERATIONS:
        raise ApiError(
            "RequestEntityTooLarge",
            f"The allowed maximum operations in a JSON patch is {MAX_PATCH_OPERATIONS}, "
            f"got {len(patch)}",
        )
    try:
        return _json_patched(current, jsonpatch.JsonPatch(patch))
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise ApiError("Invalid", f"the patch could not be applied: {exc}") from None


def _json_patched(current: dict[str, Any], patch: jsonpatch.JsonPatch) -> Any:
    """`current` with the operations applied one by one, counting what copies add."""
    document: Any = copy.deepcopy(current)
    copied = 0
    for operation in patch:
        document = jsonpatch.JsonPatch([operation]).apply(document, in_place=True)
        if operation["op"] == "copy":
            copied += serialised_size(_value_at(document, operation["path"]))
            if copied > MAX_PATCH_COPIES:
                raise ApiError(
                    "RequestEntityTooLarge",
                    f"the patch's copy operations copy more than {MAX_PATCH_COPIES} bytes",
                )
    return document


def _value_at(document: Any, path: str) -> Any:
    parent, part = JsonPointer(path).to_last(document)
    if part is None:
        return document
    return parent[-1] if part == "-" and isinstance(parent, list) else parent[part]
