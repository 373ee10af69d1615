"""Label and field selectors, as list and watch take them (equality and set forms)."""

import re
from collections.abc import Callable
from typing import Any

from moorage.api.status import ApiError

Predicate = Callable[[dict[str, Any]], bool]
_SET = re.compile(r"^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$")


def _split(selector: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, current = [], 0, ""
    for char in selector:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    if current.strip():
        parts.append(current.strip())
    return parts


def _requirement(text: str, lookup: Callable[[dict[str, Any], str], str | None]) -> Predicate:
    match = _SET.match(text)
    if match:
        key, op, values_text = match.groups()
        values = {v.strip() for v in values_text.split(",") if v.strip()}
        if op == "in":
            return lambda obj: lookup(obj, key) in values
        return lambda obj: lookup(obj, key) not in values
    for op in ("!=", "==", "="):
        if op in text:
            key, value = (s.strip() for s in text.split(op, 1))
            if op == "!=":
                return lambda obj: lookup(obj, key) != value
            return lambda obj: lookup(obj, key) == value
    if text.startswith("!"):
        key = text[1:].strip()
        return lambda obj: lookup(obj, key) is None
    if re.match(r"^[\w./-]+$", text):
        return lambda obj: lookup(obj, text) is not None
    raise ApiError("BadRequest", f"unable to parse requirement: {text!r}")


def _label(obj: dict[str, Any], key: str) -> str | None:
    return (obj.get("metadata", {}).get("labels") or {}).get(key)


def _field(obj: dict[str, Any], key: str) -> str | None:
    if key not in ("metadata.name", "metadata.namespace"):
        raise ApiError("BadRequest", f'field label not supported: "{key}"')
    return obj.get("metadata", {}).get(key.split(".", 1)[1], "")


def matcher(label_selector: str | None, field_selector: str | None) -> Predicate:
    checks = [_requirement(p, _label) for p in _split(label_selector or "")]
    checks += [_requirement(p, _field) for p in _split(field_selector or "")]
    return lambda obj: all(check(obj) for check in checks)
