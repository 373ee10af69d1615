"""Credentials for another registry from a project's pull secrets, matched as OpenShift
(and the kubelet's keyring) matches them.

Every `kubernetes.io/dockerconfigjson` and `kubernetes.io/dockercfg` secret counts unless
annotated `openshift.io/image.excludeSecret=true`. A key `host[:port][/path]` matches an
image when the port is the same, the host has as many dot-separated parts, each part
matches as a glob (`*.example.com`), and the key's path is a prefix of the image's path;
the most specific key wins (no glob before glob, longer path first).
"""

import base64
import binascii
import fnmatch
import json
from dataclasses import dataclass
from typing import Any

from moorage.upstream.references import DOCKER_HUB, DockerReference

DOCKERCONFIGJSON = "kubernetes.io/dockerconfigjson"
DOCKERCFG = "kubernetes.io/dockercfg"
EXCLUDE = "openshift.io/image.excludeSecret"
_HUB_ALIASES = ("index.docker.io", "registry-1.docker.io")


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str


@dataclass(frozen=True)
class _Entry:
    host: str
    port: str
    path: str
    credentials: Credentials

    @property
    def specificity(self) -> tuple[bool, int]:
        return ("*" not in self.host, len(self.path))


def credentials_for(image: DockerReference, secrets: list[dict[str, Any]]) -> Credentials | None:
    """The credentials the most specific matching key of `secrets` gives, if any."""
    entries = [e for secret in secrets for e in _entries(secret)]
    host, _, port = image.host.partition(":")
    matching = [e for e in entries if _matches(e, host, port, image.path)]
    if not matching:
        return None
    return max(matching, key=lambda e: e.specificity).credentials


def _matches(entry: _Entry, host: str, port: str, path: str) -> bool:
    if entry.port != port:
        return False
    wanted, given = entry.host.split("."), host.split(".")
    if len(wanted) != len(given):
        return False
    if not all(fnmatch.fnmatchcase(g, w) for w, g in zip(wanted, given, strict=True)):
        return False
    return not entry.path or path == entry.path or path.startswith(entry.path + "/")


def _entries(secret: dict[str, Any]) -> list[_Entry]:
    annotations = (secret.get("metadata") or {}).get("annotations") or {}
    if annotations.get(EXCLUDE) == "true":
        return []
    auths = _auths(secret)
    out = []
    for key, value in auths.items():
        found = _credentials(value) if isinstance(value, dict) else None
        if found is not None:
            out.append(_entry(key, found))
    return out


def _auths(secret: dict[str, Any]) -> dict[str, Any]:
    data = secret.get("data") or {}
    kind = secret.get("type")
    key = ".dockerconfigjson" if kind == DOCKERCONFIGJSON else ".dockercfg"
    if kind not in (DOCKERCONFIGJSON, DOCKERCFG) or key not in data:
        return {}
    try:
        parsed = json.loads(base64.b64decode(data[key]))
    except (ValueError, binascii.Error):
        return {}
    if kind == DOCKERCONFIGJSON:
        parsed = parsed.get("auths") if isinstance(parsed, dict) else None
    return parsed if isinstance(parsed, dict) else {}


def _credentials(value: dict[str, Any]) -> Credentials | None:
    if value.get("username") and value.get("password") is not None:
        return Credentials(str(value["username"]), str(value["password"]))
    auth = value.get("auth")
    if not isinstance(auth, str):
        return None  # a secret's entry that is not docker's gives nothing
    try:
        user, found, password = base64.b64decode(auth).decode().partition(":")
    except (ValueError, binascii.Error):
        return None
    return Credentials(user, password) if found else None


def _entry(key: str, credentials: Credentials) -> _Entry:
    bare = key.removeprefix("https://").removeprefix("http://")
    location, _, path = bare.partition("/")
    path = path.strip("/")
    if path in ("v1", "v2"):
        path = ""
    host, _, port = location.partition(":")
    if host in _HUB_ALIASES:
        host = DOCKER_HUB
    return _Entry(host.lower(), port, path, credentials)
