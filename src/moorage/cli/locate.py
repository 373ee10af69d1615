"""Where a manifest's object lives: its type from apiVersion/kind, its namespace, its name."""

from dataclasses import dataclass

from moorage.cli.errors import CliError
from moorage.cli.resources import ResourceType
from moorage.cli.session import Session
from moorage.resources.objects import Object


@dataclass(frozen=True)
class Located:
    kind: ResourceType
    namespace: str | None
    name: str

    @property
    def ref(self) -> str:
        return f"{self.kind.ref}/{self.name}"

    def path(self, with_name: bool = True) -> str:
        return self.kind.path(self.namespace, self.name if with_name else None)


def locate(session: Session, obj: Object, need_name: bool = True) -> Located:
    kind = session.discovery.for_object(obj)
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise CliError(f"{obj.get('kind')}: metadata must be an object")
    name = str(meta.get("name") or "")
    if need_name and not name:
        raise CliError(f"a {obj.get('kind')} must have metadata.name")
    if not kind.namespaced:
        return Located(kind, None, name)
    flag = getattr(session.args, "namespace", None)
    own = meta.get("namespace")
    if own and flag and own != flag:
        raise CliError(
            f'the namespace from the provided object "{own}" does not match the namespace '
            f"\"{flag}\". You must pass '--namespace={own}' to perform this operation."
        )
    namespace = own or session.namespace
    meta["namespace"] = namespace
    return Located(kind, namespace, name)
