"""Docker image references: `[host[:port]/]path[:tag][@digest]`, as `docker pull` reads them.

A name without a host is on Docker Hub (`docker.io`, `library/` for one-part names), whose
API is served at registry-1.docker.io.

A host is kept in one spelling for each address it reaches (lower case, IP literals as
`inet_ntop` writes them), so the cluster's rules and the pull secrets' keys, which compare
hosts as text, see `QUAY.io`, `127.1` and `[0::1]` as `quay.io`, `127.0.0.1` and `[::1]`.
"""

import ipaddress
import re
import socket
from dataclasses import dataclass

from moorage.content.digest import Digest
from moorage.content.errors import DigestInvalid

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_LABEL = r"(?:[a-z0-9]|[a-z0-9][a-z0-9-]*[a-z0-9])"
_HOST = re.compile(
    rf"^(?:(?P<name>{_LABEL}(?:\.{_LABEL})*)|\[(?P<ipv6>[0-9a-f:.]+)\])(?::(?P<port>\d{{1,5}}))?$"
)


class BadReference(ValueError):
    pass


@dataclass(frozen=True)
class DockerReference:
    host: str  # registry host[:port] as written (docker.io for Docker Hub)
    path: str  # repository path in that registry
    tag: str | None = None
    digest: str | None = None

    @property
    def api_host(self) -> str:
        return DOCKER_HUB_API if self.host == DOCKER_HUB else self.host

    @property
    def repository(self) -> str:
        return f"{self.host}/{self.path}"

    @property
    def reference(self) -> str:
        """What the manifest endpoint is asked for: the digest if there is one, else the tag."""
        return self.digest or self.tag or "latest"

    def with_tag(self, tag: str) -> "DockerReference":
        return DockerReference(self.host, self.path, tag)

    def by_digest(self, digest: str) -> str:
        return f"{self.repository}@{digest}"

    def __str__(self) -> str:
        text = self.repository
        if self.tag:
            text += f":{self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text


def parse_reference(text: str) -> DockerReference:
    """Raises BadReference for what is not an image reference."""
    rest, _, digest = text.partition("@")
    if digest:
        try:
            Digest.parse(digest)
        except DigestInvalid as exc:
            raise BadReference(f"{text!r} is not an image reference: {exc.message}") from None
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        try:
            host, path = canonical_host(first), remainder
        except BadReference as exc:
            raise BadReference(f"{text!r} is not an image reference: {exc}") from None
    else:
        host, path = DOCKER_HUB, rest
    path, colon, tag = path.rpartition(":") if ":" in path else (path, "", "")
    if host == DOCKER_HUB and "/" not in path:
        path = f"library/{path}"
    if not _PATH.match(path):
        raise BadReference(f"{text!r} is not an image reference: {path!r} cannot name a repository")
    if colon and not _TAG.match(tag):
        raise BadReference(f"{text!r} is not an image reference: {tag!r} cannot name a tag")
    return DockerReference(host, path, tag or None, digest or None)


def canonical_host(written: str) -> str:
    """`host[:port]` in the one spelling its address has; BadReference when it names none."""
    found = _HOST.match(written.lower())
    port = found["port"] if found else None
    if found is None or (port is not None and not 0 < int(port) < 65536):
        raise BadReference(f"{written!r} cannot name a host")
    if found["ipv6"] is not None:
        try:
            address = ipaddress.IPv6Address(found["ipv6"])
        except ValueError:
            raise BadReference(f"{written!r} is no IPv6 address") from None
        mapped = address.ipv4_mapped
        host = str(mapped) if mapped else f"[{address.compressed}]"
    else:
        host = _ipv4(found["name"]) or found["name"]
    return f"{host}:{port}" if port else host


def _ipv4(name: str) -> str | None:
    """The dotted quad a numeric name reaches (`127.1`, `0x7f.0.0.1`), as the resolver reads it."""
    if not all(re.fullmatch(r"0x[0-9a-f]*|\d+", part) for part in name.split(".")):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(name))
    except OSError:
        return None
