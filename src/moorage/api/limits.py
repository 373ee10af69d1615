"""How large a request may make things: its body, what the body expands to, and the object stored.

The figures are the Kubernetes API server's: a body of at most 3 MiB, JSON
patches of at most 10,000 operations whose `copy` operations copy at most
3 MiB in all, and stored objects of at most 1.5 MiB serialised (etcd's limit
on a request, which bounds every object Kubernetes stores).
"""

import json
from typing import Any

from moorage.api.status import ApiError

MAX_BODY = 3 * 1024 * 1024
MAX_OBJECT = 3 * 1024 * 1024 // 2
MAX_PATCH_OPERATIONS = 10_000
MAX_PATCH_COPIES = MAX_BODY  # bytes, all of a patch's `copy` operations together


def serialised_size(value: Any) -> int:
    """The bytes of `value` as compact JSON, as it is stored."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def require_storable(obj: dict[str, Any], what: str) -> None:
    """Refuse `obj` with 413 when it is too large to store."""
    size = serialised_size(obj)
    if size > MAX_OBJECT:
        raise ApiError(
            "RequestEntityTooLarge",
            f"{what} is too large: {size} bytes serialised, the limit is {MAX_OBJECT}",
        )
