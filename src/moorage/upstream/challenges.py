"""The WWW-Authenticate challenges registries answer 401 with: Bearer (a token endpoint, as
Docker Hub, quay.io and registry.redhat.io use) and Basic."""

import re
from dataclasses import dataclass, field

_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


@dataclass(frozen=True)
class Challenge:
    scheme: str  # "bearer" or "basic"
    params: dict[str, str] = field(default_factory=dict)


def parse_challenge(header: str) -> Challenge | None:
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() not in ("bearer", "basic"):
        return None
    params = {m[1].lower(): m[2] if m[2] else m[3] for m in _PARAM.finditer(rest)}
    return Challenge(scheme.lower(), params)
