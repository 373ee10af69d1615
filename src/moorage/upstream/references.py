"""Docker image references: `[host[:port]/]path[:tag][@digest]`, as `docker pull` reads them.

A name without a host is on Docker Hub (`docker.io`, `library/` for one-part names), whose
API is served at registry-1.docker.io.
"""

import re
from dataclasses import dataclass

from moorage.content.digest import Digest
from moorage.content.errors import DigestInvalid

DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "registry-1.docker.io"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
_TAG = re.compile(r"^[\w][\w.-]{0,127}$")


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
        host, path = first, remainder
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
