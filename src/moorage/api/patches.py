"""Applying a PATCH body: JSON merge patch, JSON patch, and strategic merge treated as merge."""

import copy
import json
from typing import Any

import jsonpatch

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
        patch = json.loads(body)
    except ValueError as exc:
        raise ApiError("BadRequest", f"the patch is not valid JSON: {exc}") from None
    except RecursionError:
        raise ApiError("BadRequest", "the patch is nested too deeply") from None
    try:
        return _applied(current, patch, content_type)
    except RecursionError:
        raise ApiError("BadRequest", "the patch is nested too deeply") from None


def _applied(current: dict[str, Any], patch: Any, content_type: str) -> dict[str, Any]:
    if content_type in (MERGE, STRATEGIC):
        if not isinstance(patch, dict):
            raise ApiError("BadRequest", "a merge patch must be a JSON object")
        return merge_patch(current, patch)
    if not isinstance(patch, list):
        raise ApiError("BadRequest", "a JSON patch must be a JSON array of operations")
    try:
        return jsonpatch.apply_patch(current, patch)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise ApiError("Invalid", f"the patch could not be applied: {exc}") from None
