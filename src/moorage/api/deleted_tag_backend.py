"""`deletedimagestreamtags`: the tags of a project deleted less than the restore window ago
whose image its repository still holds (store/deleted_tags.py; ADR 0012). Read only: a tag
is restored by tagging its image again (`moorage tag --restore`)."""

from __future__ import annotations

import builtins
import time

from moorage.api.image_backends import OneVerbBackend
from moorage.api.status import ApiError
from moorage.resources.kinds import Kind
from moorage.resources.objects import Object
from moorage.store import deleted_tags
from moorage.store.deleted_tags import DeletedTag
from moorage.store.errors import NotFound
from moorage.store.resources import Event, Page, ResourceStore


class DeletedTagBackend(OneVerbBackend):
    refusal = "deletedimagestreamtags can only be read: restore one with moorage tag --restore"

    def __init__(self, kind: Kind, store: ResourceStore, window: float) -> None:
        self.kind, self._store, self._window = kind, store, window

    def get(self, namespace: str, name: str) -> Object:
        stream, _, tag = name.partition(":")
        since = time.time() - self._window
        with self._store.reading() as tx:
            found = deleted_tags.restorable(
                tx.connection, namespace, since, f"{namespace}/{stream}"
            )
        for deleted in found:
            if deleted.tag == tag:
                return self._shown(namespace, deleted)
        raise NotFound(f'deletedimagestreamtags.image.openshift.io "{name}" not found')

    def list(self, namespace: str | None, limit: int | None, after: tuple[str, str] | None) -> Page:
        if namespace is None:
            raise ApiError("BadRequest", "deletedimagestreamtags are listed one project at a time")
        since = time.time() - self._window
        with self._store.reading() as tx:
            found = deleted_tags.restorable(tx.connection, namespace, since)
            version = tx.latest_version()
        return Page([self._shown(namespace, d) for d in found], version, None)

    def events_after(self, version: int) -> builtins.list[Event]:
        return []

    def _shown(self, namespace: str, deleted: DeletedTag) -> Object:
        stream = deleted.repository.partition("/")[2]
        return {
            "apiVersion": self.kind.api_version,
            "kind": self.kind.kind,
            "metadata": {
                "name": f"{stream}:{deleted.tag}",
                "namespace": namespace,
                "creationTimestamp": _timestamp(deleted.deleted_at),
            },
            "image": deleted.digest,
            "deleted": _timestamp(deleted.deleted_at),
            "restorableUntil": _timestamp(deleted.deleted_at + self._window),
        }


def _timestamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
