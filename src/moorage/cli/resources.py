"""Resource types from discovery, and resolving the names users type for them.

A TYPE may be a plural, singular, short name or kind (`imagestreams`,
`imagestream`, `is`, `ImageStream`), optionally qualified by its group or a
prefix of it (`configs.imageregistry`, `configs.imageregistry.operator.openshift.io`)
or by version and group (`configs.v1.imageregistry.operator.openshift.io`).
Nothing here knows any particular kind: whatever the server lists resolves.
"""

from dataclasses import dataclass, field
from typing import Any

from moorage.cli.client import ApiClient
from moorage.cli.errors import CliError


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self) -> str:
        """`secrets`, `imagestreams.image.openshift.io`: unambiguous, for messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def ref(self) -> str:
        """`secret`, `imagestream.image.openshift.io`: how kubectl names objects in output."""
        kind = self.kind.lower()
        return f"{kind}.{self.group}" if self.group else kind

    def names(self) -> set[str]:
        return {self.plural, self.singular, self.kind.lower(), *self.short_names} - {""}

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return f"{base}/{name}" if name else base


def _types(group: str, version: str, resources: list[dict[str, Any]]) -> list[ResourceType]:
    return [
        ResourceType(
            group,
            version,
            r["name"],
            r.get("singularName") or "",
            r.get("kind") or "",
            bool(r.get("namespaced")),
            tuple(r.get("shortNames") or ()),
            tuple(r.get("verbs") or ()),
        )
        for r in resources
        if "/" not in r.get("name", "/")
    ]


@dataclass
class Discovery:
    """Every resource type the server lists, core first, preferred versions first."""

    types: list[ResourceType] = field(default_factory=list)

    @classmethod
    def fetch(cls, client: ApiClient) -> "Discovery":
        found: list[ResourceType] = []
        for version in client.get("/api").get("versions") or []:
            found += _types("", version, client.get(f"/api/{version}").get("resources") or [])
        for group in client.get("/apis").get("groups") or []:
            preferred = (group.get("preferredVersion") or {}).get("version")
            versions = [v["version"] for v in group.get("versions") or []]
            versions.sort(key=lambda v: v != preferred)
            for version in versions:
                listed = client.get(f"/apis/{group['name']}/{version}")
                found += _types(group["name"], version, listed.get("resources") or [])
        return cls(found)

    def resolve(self, typed: str) -> ResourceType:
        text = typed.strip().lower()
        for candidate in self._readings(text):
            if candidate:
                return candidate
        raise CliError(f'the server doesn\'t have a resource type "{typed}"')

    def _readings(self, text: str):
        yield self._match(text, None, None)
        head, _, rest = text.partition(".")
        if rest:
            version, _, group = rest.partition(".")
            if group:
                yield self._match(head, group, version)
            yield self._match(head, rest, None)

    def _match(self, name: str, group: str | None, version: str | None) -> ResourceType | None:
        for kind in self.types:
            if name not in kind.names():
                continue
            if version is not None and kind.version != version:
                continue
            if group is not None and not (
                kind.group == group or kind.group.startswith(group + ".")
            ):
                continue
            return kind
        return None

    def for_object(self, obj: dict[str, Any]) -> ResourceType:
        """The type of a manifest, by its apiVersion and kind."""
        api_version, kind = obj.get("apiVersion") or "", obj.get("kind") or ""
        if not api_version or not kind:
            name = (obj.get("metadata") or {}).get("name") or "<unnamed>"
            raise CliError(f"object {name!r} has no apiVersion or kind")
        group, _, version = api_version.rpartition("/")
        for found in self.types:
            if (found.group, found.version, found.kind) == (group, version, kind):
                return found
        raise CliError(
            f'the server doesn\'t have a resource type for kind "{kind}" in "{api_version}"'
        )
