"""ImageStreams: stored as metadata and spec; status rendered from the registry's tags.

The registry's `tags` table says what each tag serves; `tag_history` says
what it served before. An ImageStream's status.tags is drawn from them on
every read and in every watch event, so the API and the registry cannot
disagree about a tag.
"""

import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy import Connection

from moorage.content.manifest import PushedManifest
from moorage.content.names import split_repository
from moorage.imagestreams import quotas
from moorage.imagestreams.images import image_object
from moorage.imagestreams.immutable import check_tag_change
from moorage.imagestreams.importing import Imported
from moorage.imagestreams.sources import Source
from moorage.resources.objects import Object
from moorage.store import tag_conditions, tags
from moorage.store.errors import Forbidden, NotFound
from moorage.store.resources import Ref, Transaction

GROUP = "image.openshift.io"


def stream_ref(namespace: str, name: str) -> Ref:
    return Ref(GROUP, "imagestreams", namespace, name)


def image_ref(digest: str) -> Ref:
    return Ref(GROUP, "images", "", digest)


def _timestamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


class ImageStreams:
    def __init__(self, registry_host: str) -> None:
        self.registry_host = registry_host

    def repository_url(self, namespace: str, name: str) -> str:
        return f"{self.registry_host}/{namespace}/{name}"

    # Rendering -------------------------------------------------------------

    def render(self, conn: Connection, stream: Object) -> Object:
        return self.render_many(conn, [stream])[0]

    def render_many(self, conn: Connection, streams: list[Object]) -> list[Object]:
        """Streams with their status, drawing the tag history of them all in one query."""
        names = [f"{s['metadata']['namespace']}/{s['metadata']['name']}" for s in streams]
        histories = tags.histories(conn, names)
        failed = tag_conditions.failures(conn, names)
        return [
            self._rendered(s, histories.get(n, {}), failed.get(n, {}))
            for s, n in zip(streams, names, strict=True)
        ]

    def _rendered(
        self,
        stream: Object,
        history: dict[str, list[tags.TagEvent]],
        failed: dict[str, tag_conditions.TagCondition],
    ) -> Object:
        meta = stream["metadata"]
        url = self.repository_url(meta["namespace"], meta["name"])
        local = {t.get("name") for t in spec_tags(stream) if _served_here(t)}
        listed = []
        for tag in sorted({*history, *failed}):
            events = history.get(tag, [])
            entry: Object = {"tag": tag, "items": [_event(url, e, tag in local) for e in events]}
            if tag in failed:
                entry["conditions"] = [_condition(failed[tag])]
            listed.append(entry)
        return {**stream, "status": {"dockerImageRepository": url, "tags": listed}}

    def renderer(self, conn: Connection) -> Any:
        return lambda obj: self.render(conn, obj)

    # What a push changes (the registry's metadata hooks) --------------------

    def manifest_recorded(
        self, conn: Connection, repository: str, pushed: PushedManifest, tag: str | None
    ) -> None:
        tx = Transaction(conn)
        if tx.get(image_ref(pushed.digest)) is None:
            reference = f"{self.registry_host}/{repository}@{pushed.digest}"
            tx.create(image_ref(pushed.digest), image_object(pushed, reference))
        place = split_repository(repository)
        if tag is not None and place is not None:
            self.touch(tx, *place, create=True)

    def tags_changed(self, conn: Connection, repository: str) -> None:
        place = split_repository(repository)
        if place is not None:
            self.touch(Transaction(conn), *place, create=False)

    def tag_changing(self, conn: Connection, repository: str, tag: str, digest: str | None) -> None:
        check_tag_change(conn, repository, tag, digest)

    def admitting(self, conn: Connection, repository: str) -> AbstractContextManager[None]:
        place = split_repository(repository)
        return nullcontext() if place is None else quotas.admitted(conn, place[0])

    def touch(self, tx: Transaction, namespace: str, name: str, create: bool) -> None:
        """A new resourceVersion and a watch event for a stream whose tags changed."""
        ref = stream_ref(namespace, name)
        current = tx.get(ref)
        shown = self.renderer(tx.connection)
        if current is not None:
            tx.update(ref, current, shown=shown)
        elif create:
            tx.create(ref, new_stream(namespace, name), shown=shown)

    # Tags through the API --------------------------------------------------

    def set_tag(self, tx: Transaction, namespace: str, name: str, tag: str, source: Source) -> None:
        """Point `tag` at the source's image, linking it (and what it references) here first;
        an imported image keeps the other registry's reference, to be pulled through here."""
        conn = tx.connection
        check_tag_change(conn, f"{namespace}/{name}", tag, source.digest)
        target_id = tags.repository_id(conn, f"{namespace}/{name}", create=True)
        assert target_id is not None
        tags.link_manifest(conn, source.repository_id, target_id, source.digest)
        upstream = tags.upstream_references(conn, source.repository_id, source.digest)
        reference = upstream[0] if upstream else None
        tags.set_tag(conn, target_id, tag, source.digest, reference=reference)
        self.touch(tx, namespace, name, create=True)

    def record_import(
        self, tx: Transaction, namespace: str, name: str, tag: str, imported: Imported
    ) -> None:
        """A tag imported: its new image in the history, or why it failed in its conditions.
        The caller writes the stream afterwards (a new resourceVersion and watch event)."""
        conn = tx.connection
        stream = tx.get(stream_ref(namespace, name)) or {"metadata": {}}
        generation = stream["metadata"].get("generation", 1)
        repo_id = tags.repository_id(conn, f"{namespace}/{name}", create=True)
        assert repo_id is not None
        if imported.image is None:
            assert imported.error is not None
            error = imported.error
            tag_conditions.set_failed(conn, repo_id, tag, error.reason, error.message, generation)
        else:
            for image in (imported.image, *imported.children):
                if tx.get(image_ref(image["metadata"]["name"])) is None:
                    tx.create(image_ref(image["metadata"]["name"]), image)
            try:
                check_tag_change(conn, f"{namespace}/{name}", tag, imported.digest)
            except Forbidden as refused:
                tag_conditions.set_failed(
                    conn, repo_id, tag, "Forbidden", refused.message, generation
                )
                return
            reference = imported.image["dockerImageReference"]
            tags.set_tag(conn, repo_id, tag, imported.digest, generation, reference)
            tag_conditions.clear(conn, repo_id, tag)

    def remove_tag(self, tx: Transaction, namespace: str, name: str, tag: str) -> None:
        check_tag_change(tx.connection, f"{namespace}/{name}", tag, None)
        repo_id = tags.repository_id(tx.connection, f"{namespace}/{name}")
        if repo_id is None or not tags.remove_tags(tx.connection, repo_id, [tag], restorable=True):
            raise NotFound(f'imagestreamtags.image.openshift.io "{name}:{tag}" not found')
        self.touch(tx, namespace, name, create=False)

    def forget_namespace(self, tx: Transaction, namespace: str) -> None:
        """A project is going: every repository in it goes too, pushed by tag, by digest or
        tagged through the API, so a project made later under the same name starts empty."""
        tags.forget_project(tx.connection, namespace)

    def remove_all_tags(self, tx: Transaction, namespace: str, name: str) -> None:
        conn = tx.connection
        repo_id = tags.repository_id(conn, f"{namespace}/{name}")
        if repo_id is not None:
            for tag in tags.names(conn, repo_id):
                check_tag_change(conn, f"{namespace}/{name}", tag, None)
            tags.remove_tags(conn, repo_id, restorable=True)


def spec_tags(stream: Object) -> list[Object]:
    """The stream's spec tags (none when it names none)."""
    return (stream.get("spec") or {}).get("tags") or []


def _served_here(spec_tag: Object) -> bool:
    """referencePolicy Local: pulled through this registry, whatever registry it came from."""
    return (spec_tag.get("referencePolicy") or {}).get("type") == "Local"


def _event(url: str, event: tags.TagEvent, local: bool) -> Object:
    return {
        "created": _timestamp(event.created_at),
        "dockerImageReference": (not local and event.reference) or f"{url}@{event.digest}",
        "image": event.digest,
        "generation": event.generation,
    }


def _condition(failed: tag_conditions.TagCondition) -> Object:
    return {
        "type": "ImportSuccess",
        "status": "False",
        "lastTransitionTime": _timestamp(failed.changed_at),
        "reason": failed.reason,
        "message": failed.message,
        "generation": failed.generation,
    }


def new_stream(namespace: str, name: str) -> Object:
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "ImageStream",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"lookupPolicy": {"local": False}},
    }
