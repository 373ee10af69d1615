"""How large a request may make things: its body, and the object stored.

The figures are the Kubernetes API server's: a body of at most 3 MiB, and
stored objects of at most 1.5 MiB serialised (etcd's limit on a request,
which bounds every object Kubernetes stores).
"""

import json
from typing import Any

from moorage.api.status import ApiError

MAX_BODY = 3 * 1024 * 1024
MAX_OBJECT = 3 * 1024 * 1024 // 2


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
