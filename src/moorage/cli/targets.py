"""Reading `TYPE NAME...`, `TYPE/NAME...` and `TYPE1,TYPE2` arguments; fetching what they name."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from moorage.cli.client import ApiError
from moorage.cli.errors import CliError
from moorage.cli.resources import ResourceType
from moorage.cli.session import Session
from moorage.resources.objects import Object

PAGE = 500


@dataclass
class Target:
    kind: ResourceType
    names: list[str] = field(default_factory=list)  # none: every object (of the selector)


def parse_targets(session: Session, words: list[str], need_names: bool = False) -> list[Target]:
    if not words:
        raise CliError("you must specify the type of resource, e.g. 'secrets' or 'projects'")
    if any("/" in word for word in words):
        return _slashed(session, words)
    kinds = [session.resolve(t) for t in words[0].split(",") if t]
    if need_names and len(words) < 2:
        raise CliError(f"a resource name is required, e.g. {kinds[0].plural}/NAME")
    return [Target(kind, list(words[1:])) for kind in kinds]


def _slashed(session: Session, words: list[str]) -> list[Target]:
    targets: list[Target] = []
    for word in words:
        typed, slash, name = word.partition("/")
        if not slash or not name or not typed:
            raise CliError(
                f"expected TYPE/NAME, got {word!r}: all arguments must be in resource/name "
                "form when one is"
            )
        kind = session.resolve(typed)
        if targets and targets[-1].kind == kind:
            targets[-1].names.append(name)
        else:
            targets.append(Target(kind, [name]))
    return targets


def namespace_for(session: Session, kind: ResourceType) -> str | None:
    return session.namespace if kind.namespaced else None


def list_all(
    session: Session, kind: ResourceType, namespace: str | None, params: dict[str, str]
) -> tuple[list[Object], str]:
    """Every object, page by page; and the list's resourceVersion (to watch from)."""
    items: list[Object] = []
    query = {k: v for k, v in params.items() if v}
    while True:
        page = session.client.get(kind.path(namespace), {**query, "limit": str(PAGE)})
        items += page.get("items") or []
        meta = page.get("metadata") or {}
        if not meta.get("continue"):
            return items, str(meta.get("resourceVersion") or "")
        query["continue"] = meta["continue"]


def get_named(
    session: Session, kind: ResourceType, names: list[str]
) -> Iterator[Object | ApiError]:
    """Each named object, or the error fetching it (the caller reports and goes on)."""
    namespace = namespace_for(session, kind)
    for name in names:
        try:
            yield session.client.get(kind.path(namespace, name))
        except ApiError as exc:
            yield exc
