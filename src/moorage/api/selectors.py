"""Label and field selectors, as list and watch take them (equality and set forms)."""

import re
from collections.abc import Callable
from typing import Any

from moorage.api.status import ApiError

Predicate = Callable[[dict[str, Any]], bool]
_SET = re.compile(r"^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$")
_KEY = re.compile(r"^[\w./-]+$")
FIELDS = ("metadata.name", "metadata.namespace")


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


def _parse(text: str) -> tuple[str, str, frozenset[str]]:
    """One requirement as (key, operator, values); the operator is in, notin, =, !=, exists or !."""
    match = _SET.match(text)
    if match:
        key, op, values_text = match.groups()
        return key, op, frozenset(v.strip() for v in values_text.split(",") if v.strip())
    op = next((op for op in ("!=", "==", "=") if op in text), None)
    if op is not None:
        key, value = (s.strip() for s in text.split(op, 1))
        if _KEY.match(key):
            return key, "!=" if op == "!=" else "=", frozenset([value])
    elif text.startswith("!") and _KEY.match(text[1:].strip()):
        return text[1:].strip(), "!", frozenset()
    elif _KEY.match(text):
        return text, "exists", frozenset()
    raise ApiError("BadRequest", f"unable to parse requirement: {text!r}")


def _requirement(
    parsed: tuple[str, str, frozenset[str]], lookup: Callable[[dict[str, Any], str], str | None]
) -> Predicate:
    key, op, values = parsed
    if op in ("in", "="):
        return lambda obj: lookup(obj, key) in values
    if op in ("notin", "!="):
        return lambda obj: lookup(obj, key) not in values
    if op == "!":
        return lambda obj: lookup(obj, key) is None
    return lambda obj: lookup(obj, key) is not None


def _label(obj: dict[str, Any], key: str) -> str | None:
    return (obj.get("metadata", {}).get("labels") or {}).get(key)


def _field(obj: dict[str, Any], key: str) -> str | None:
    return obj.get("metadata", {}).get(key.split(".", 1)[1], "")


def matcher(label_selector: str | None, field_selector: str | None) -> Predicate:
    """Both selectors are parsed and checked here, before anything is listed or watched."""
    fields = [_parse(p) for p in _split(field_selector or "")]
    for key, _op, _values in fields:
        if key not in FIELDS:
            raise ApiError("BadRequest", f'field label not supported: "{key}"')
    checks = [_requirement(_parse(p), _label) for p in _split(label_selector or "")]
    checks += [_requirement(parsed, _field) for parsed in fields]
    return lambda obj: all(check(obj) for check in checks)
