"""Where a tag's content comes from, and who may take it from there.

Every path that links an image from one repository into another goes through
`resolve_source`: an ImageStreamTag created or replaced, an ImageStream's
`spec.tags[].from`, an ImageStreamMapping naming an image held elsewhere (and,
when they land, imports and pull-through). Taking content from a repository
needs the right to pull from it, `get imagestreams/layers` in its project, as
OpenShift asks; the caller's predicate answers that, and it is asked before
anything about the source is read, so a refusal says nothing of what exists.

Sources are named as in OpenShift's ObjectReference:

    ImageStreamTag    name "<stream>:<tag>", namespace (default: the destination's)
    ImageStreamImage  name "<stream>@<digest>", namespace likewise
    DockerImage       "<host>/<project>/<stream>(:<tag>|@<digest>)"; only references to
                      this registry name a source here, others are for import
"""

from collections.abc import Callable
from dataclasses import dataclass

from moorage.content.digest import is_digest
from moorage.resources.names import Invalid
from moorage.resources.objects import Object
from moorage.store import tags
from moorage.store.errors import NotFound
from moorage.store.resources import Transaction

# Whether the caller may pull from a repository `<project>/<stream>`.
MayPull = Callable[[str], bool]
LOCAL_KINDS = ("ImageStreamTag", "ImageStreamImage")


class SourceForbidden(Exception):
    """The caller may not pull from the repository a tag would take its image from."""

    def __init__(self, namespace: str, stream: str) -> None:
        super().__init__(f"{namespace}/{stream}")
        self.namespace, self.stream = namespace, stream


@dataclass(frozen=True)
class SourceRef:
    """A repository of this registry and a tag or digest in it."""

    kind: str
    namespace: str
    stream: str
    tag: str | None = None
    digest: str | None = None

    @property
    def repository(self) -> str:
        return f"{self.namespace}/{self.stream}"

    @property
    def name(self) -> str:
        return f"{self.stream}@{self.digest}" if self.digest else f"{self.stream}:{self.tag}"


@dataclass(frozen=True)
class Source:
    """What a resolved source serves: its repository's id and the image's digest."""

    ref: SourceRef
    repository_id: int
    digest: str


def parse_source(source: Object, namespace: str, registry_host: str) -> SourceRef | None:
    """The repository and image a `from` reference names; None for another registry's image.

    Raises Invalid for a reference of an unknown kind or shape.
    """
    kind, name = source.get("kind"), str(source.get("name") or "")
    if kind in LOCAL_KINDS:
        found = _stream_reference(name, "@" if kind == "ImageStreamImage" else ":")
        if found is not None:
            project = source.get("namespace") or namespace
            return SourceRef(kind, project, *found)
    elif kind == "DockerImage":
        host, _, path = name.partition("/")
        if host != registry_host:
            return None
        project, _, rest = path.partition("/")
        found = _stream_reference(rest, "@" if "@" in rest else ":")
        if project and found is not None:
            return SourceRef(kind, project, *found)
    raise _unusable(kind, name, registry_host)


def _unusable(kind: object, name: str, registry_host: str) -> Invalid:
    known = kind in (*LOCAL_KINDS, "DockerImage")
    cause = {
        "reason": "FieldValueInvalid" if known else "FieldValueNotSupported",
        "field": "from",
        "message": f"{kind} {name!r} names no image: use ImageStreamTag (stream:tag), "
        f"ImageStreamImage (stream@digest) or DockerImage ({registry_host}/project/stream:tag)",
    }
    return Invalid("ImageStreamTag", name, [cause])


def _stream_reference(name: str, separator: str) -> tuple[str, str | None, str | None] | None:
    """(stream, tag, digest) of "<stream>:<tag>" or "<stream>@<digest>"."""
    stream, found, rest = name.partition(separator)
    if not found or not stream or not rest or "/" in stream:
        return None
    if separator == "@":
        return (stream, None, rest) if is_digest(rest) else None
    return stream, rest, None


def resolve_source(tx: Transaction, ref: SourceRef, may_pull: MayPull) -> Source:
    """The image `ref` names: SourceForbidden unless the caller may pull from its repository,
    NotFound unless it is there."""
    if may_pull(ref.repository) is not True:  # an async predicate's coroutine is no grant
        raise SourceForbidden(ref.namespace, ref.stream)
    found = locate(tx, ref)
    if found is None:
        raise NotFound(f'{ref.kind} "{ref.name}" not found in namespace {ref.namespace}')
    return found


def locate(tx: Transaction, ref: SourceRef) -> Source | None:
    """The image `ref` names, if its repository holds it; asks nobody's rights."""
    conn = tx.connection
    repo_id = tags.repository_id(conn, ref.repository)
    if repo_id is None:
        return None
    digest = None
    if ref.tag is not None:
        digest = tags.current(conn, repo_id, ref.tag)
    elif ref.digest and tags.has_manifest(conn, repo_id, ref.digest):
        digest = ref.digest
    return None if digest is None else Source(ref, repo_id, digest)
