"""Which registries images may be imported from: image.config.openshift.io/cluster's
spec.registrySources (allowedRegistries, blockedRegistries, insecureRegistries) and
spec.allowedRegistriesForImport. A refusal names the rule that refused.

An entry names a host (`quay.io`, `reg.example.com:5000`), every subdomain of one
(`*.example.com`), or a repository and what lies under it (`quay.io/team`). Hosts compare
in their one spelling (upstream/references.py), and an entry without a port names the
standard ones too (`quay.io` is `quay.io:443`), as OpenShift's domainName does.
"""

import fnmatch
import re
from dataclasses import dataclass

from moorage.resources.objects import Object
from moorage.upstream.errors import UpstreamError
from moorage.upstream.references import BadReference, DockerReference, canonical_host

WHERE = "of image.config.openshift.io/cluster"
_PORTED = re.compile(r":\d+$")


class ImportForbidden(UpstreamError):
    reason = "Forbidden"


@dataclass(frozen=True)
class ImportRules:
    allowed: tuple[str, ...] | None = None
    blocked: tuple[str, ...] = ()
    insecure: tuple[str, ...] = ()
    for_import: tuple[str, ...] | None = None

    @classmethod
    def from_spec(cls, spec: Object) -> "ImportRules":
        sources = spec.get("registrySources") or {}
        listed = spec.get("allowedRegistriesForImport")
        return cls(
            tuple(sources["allowedRegistries"]) if sources.get("allowedRegistries") else None,
            tuple(sources.get("blockedRegistries") or ()),
            tuple(sources.get("insecureRegistries") or ()),
            tuple(e["domainName"] for e in listed) if listed else None,
        )

    def check(self, image: DockerReference) -> None:
        """Raises ImportForbidden, naming the rule, when `image` may not be imported."""
        if _listed(self.blocked, image):
            self._refuse(image, "is in spec.registrySources.blockedRegistries")
        if self.allowed is not None and not _listed(self.allowed, image):
            self._refuse(image, "is not in spec.registrySources.allowedRegistries")
        if self.for_import is not None and not _listed(self.for_import, image):
            self._refuse(image, "is not in spec.allowedRegistriesForImport")

    def host_refusal(self, host: str) -> str | None:
        """Why a request may not go to `host[:port]` (a redirect's, a token realm's): the
        blocked registries name it; None when they do not."""
        name, _, port = host.rpartition(":") if _PORTED.search(host) else (host, "", "")
        absolute = name.rstrip(".")  # the resolver reaches `bad.io.` as `bad.io`
        try:
            written = f"{absolute}:{port}" if port else absolute
            listed = _listed(self.blocked, DockerReference(canonical_host(written), ""))
        except BadReference:
            return None  # no host any entry can name
        return f"is in spec.registrySources.blockedRegistries {WHERE}" if listed else None

    def allows_http(self, image: DockerReference) -> bool:
        """spec.registrySources.insecureRegistries: plain HTTP without the insecure flag."""
        return _listed(self.insecure, image)

    def _refuse(self, image: DockerReference, rule: str) -> None:
        message = f"importing {image} is forbidden: registry {image.host} {rule} {WHERE}"
        raise ImportForbidden(message)


def _listed(entries: tuple[str, ...], image: DockerReference) -> bool:
    return any(_matches(entry.strip().lower(), image) for entry in entries)


def _matches(entry: str, image: DockerReference) -> bool:
    host, _, path = entry.partition("/")
    host, given = _standard_port_dropped(host), _standard_port_dropped(image.host)
    if host.startswith("*."):
        if not fnmatch.fnmatchcase(given, host) or given == host[2:]:
            return False
    elif host != given:
        return False
    return not path or image.path == path or image.path.startswith(path + "/")


def _standard_port_dropped(host: str) -> str:
    if not host.startswith("*."):
        try:
            host = canonical_host(host)
        except BadReference:
            return host  # an entry that names no host matches none
    return host.removesuffix(":443").removesuffix(":80")
