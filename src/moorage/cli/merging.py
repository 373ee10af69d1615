"""The merge patch `apply` sends: what the file changes, and what it stopped setting.

As kubectl's three-way JSON merge patch: fields in the new file that differ from
the live object are set; fields the previous apply set (its last-applied
annotation) and the new file no longer has are removed; everything else that
others set on the live object is left alone. Lists are replaced whole.
"""

import json
from typing import Any

from moorage.resources.objects import Object

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _changes(live: Any, desired: Object) -> Object:
    patch: Object = {}
    for key, value in desired.items():
        current = live.get(key) if isinstance(live, dict) else None
        if isinstance(value, dict) and isinstance(current, dict):
            nested = _changes(current, value)
            if nested:
                patch[key] = nested
        elif current != value:
            patch[key] = value
    return patch


def _deletions(last: Object, desired: Object, live: Any) -> Object:
    patch: Object = {}
    for key, value in last.items():
        in_live = isinstance(live, dict) and key in live
        if key not in desired:
            if in_live:
                patch[key] = None
        elif isinstance(value, dict) and isinstance(desired[key], dict) and in_live:
            nested = _deletions(value, desired[key], live[key])
            if nested:
                patch[key] = nested
    return patch


def _merge(into: Object, extra: Object) -> Object:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def with_last_applied(desired: Object) -> Object:
    """The object to send, carrying its own JSON in the last-applied annotation."""
    clean = json.loads(json.dumps(desired))
    annotations = (clean.get("metadata") or {}).get("annotations") or {}
    annotations.pop(LAST_APPLIED, None)
    record = json.dumps(clean, sort_keys=True, separators=(",", ":"))
    out = json.loads(json.dumps(clean))
    out.setdefault("metadata", {}).setdefault("annotations", {})[LAST_APPLIED] = record + "\n"
    return out


def last_applied(live: Object) -> Object:
    text = ((live.get("metadata") or {}).get("annotations") or {}).get(LAST_APPLIED)
    try:
        loaded = json.loads(text) if text else {}
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def three_way(desired: Object, live: Object) -> Object:
    """The merge patch from `live` to `desired` (which carries its last-applied annotation)."""
    return _merge(_changes(live, desired), _deletions(last_applied(live), desired, live))
