"""Immutable tags: a tag that, once it serves an image, is never moved nor deleted.

A whole stream's tags are immutable with the annotation `moorage.io/immutable-tags: "true"`
on the ImageStream; one tag's with `moorage.io/immutable: "true"` in the annotations of its
spec tag. Moving such a tag to another image, or deleting it, by push or through the API,
is refused (store.errors.Forbidden: DENIED on the registry, a Forbidden Status on the API)
until the annotation is removed. Pushing the image it serves again is no change, and passes.
"""

from sqlalchemy import Connection

from moorage.content.names import split_repository
from moorage.resources.objects import Object
from moorage.store import tags
from moorage.store.errors import Forbidden
from moorage.store.resources import Ref, Transaction

STREAM_ANNOTATION = "moorage.io/immutable-tags"
TAG_ANNOTATION = "moorage.io/immutable"


def check_tag_change(conn: Connection, repository: str, tag: str, digest: str | None) -> None:
    """Refuse pointing `tag` at `digest` (None: deleting it) if it is immutable and serves
    another image now. One indexed lookup for a tag that does not move."""
    place = split_repository(repository)
    repo_id = tags.repository_id(conn, repository)
    if place is None or repo_id is None:
        return
    current = tags.current(conn, repo_id, tag)
    if current is None or current == digest:
        return
    stream = Transaction(conn).get(Ref("image.openshift.io", "imagestreams", *place))
    why = _immutable_by(stream, tag) if stream is not None else None
    if why is not None:
        doing = "deleted" if digest is None else "overwritten"
        raise Forbidden(
            f'tag {tag} of image stream {repository} is immutable ({why} is "true"): '
            f"it cannot be {doing}"
        )


def _immutable_by(stream: Object, tag: str) -> str | None:
    """The annotation that makes `tag` immutable, described; None when none does."""
    if _true((stream["metadata"].get("annotations") or {}).get(STREAM_ANNOTATION)):
        return f"the image stream's annotation {STREAM_ANNOTATION}"
    for spec_tag in (stream.get("spec") or {}).get("tags") or []:
        annotations = spec_tag.get("annotations") or {}
        if spec_tag.get("name") == tag and _true(annotations.get(TAG_ANNOTATION)):
            return f"the tag's annotation {TAG_ANNOTATION}"
    return None


def _true(value: object) -> bool:
    return isinstance(value, str) and value.lower() == "true"
