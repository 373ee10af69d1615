"""Where each kind's objects come from: the store, or (for projects) a view of namespaces.

Backend methods are synchronous and run in a thread; each is one transaction.
"""

from __future__ import annotations

import builtins
import secrets
import string
from collections.abc import Callable
from typing import Any, Protocol

from moorage.api.status import ApiError
from moorage.resources.kinds import Kind
from moorage.resources.objects import Object
from moorage.resources.project import DESCRIPTION, DISPLAY_NAME, REQUESTER
from moorage.store.errors import NotFound
from moorage.store.resources import Event, Page, Ref, ResourceStore, Transaction

NAMESPACES = ("", "namespaces")
_SUFFIX = string.ascii_lowercase + string.digits


class Backend(Protocol):
    kind: Kind

    def get(self, namespace: str, name: str) -> Object: ...

    def list(
        self, namespace: str | None, limit: int | None, after: tuple[str, str] | None
    ) -> Page: ...

    def create(self, namespace: str, obj: Object) -> Object: ...

    def update(self, namespace: str, name: str, obj: Object, subresource: str | None) -> Object: ...

    def delete(self, namespace: str, name: str) -> Object: ...

    def events_after(self, version: int) -> builtins.list[Event]: ...


def resolve_name(obj: Object) -> str:
    meta = obj.setdefault("metadata", {})
    if not meta.get("name") and meta.get("generateName"):
        meta["name"] = meta["generateName"] + "".join(secrets.choice(_SUFFIX) for _ in range(5))
    return meta.get("name") or ""


class StoredBackend:
    """Objects kept as they are in the resource store."""

    def __init__(
        self,
        kind: Kind,
        store: ResourceStore,
        on_delete: list[Callable[[Transaction, str], None]] | None = None,
        on_create: list[Callable[[Transaction, Object], None]] | None = None,
        stored_as: Callable[[Transaction, Object], Object] | None = None,
    ) -> None:
        self.kind, self._store = kind, store
        self._on_delete = on_delete or []
        self._on_create = on_create or []
        # What is stored of a valid object written (a status the server keeps).
        self._stored_as = stored_as or (lambda _tx, obj: obj)

    def _ref(self, namespace: str, name: str) -> Ref:
        return Ref(
            self.kind.group, self.kind.plural, namespace if self.kind.namespaced else "", name
        )

    def get(self, namespace: str, name: str) -> Object:
        with self._store.reading() as tx:
            return tx.require(self._ref(namespace, name))

    def list(self, namespace: str | None, limit: int | None, after: tuple[str, str] | None) -> Page:
        with self._store.reading() as tx:
            return tx.list(self.kind.group, self.kind.plural, namespace, limit, after)

    def create(self, namespace: str, obj: Object) -> Object:
        resolve_name(obj)
        place_in(self.kind, namespace, obj)
        obj = self.kind.validate(obj)
        with self._store.transaction() as tx:
            if self.kind.namespaced:
                require_namespace(tx, namespace)
            obj = self._stored_as(tx, obj)
            created = tx.create(self._ref(namespace, obj["metadata"]["name"]), obj)
            for follow_up in self._on_create:
                follow_up(tx, created)
            return created

    def update(self, namespace: str, name: str, obj: Object, subresource: str | None) -> Object:
        place_in(self.kind, namespace, obj)
        if obj.get("metadata", {}).get("name") != name:
            raise ApiError(
                "BadRequest", "the name of the object does not match the name on the URL"
            )
        ref = self._ref(namespace, name)
        with self._store.transaction() as tx:
            current = tx.require(ref)
            if subresource == "status":
                sent_version = obj["metadata"].get("resourceVersion")
                obj = {**current, "status": obj.get("status")}
                obj["metadata"] = {**current["metadata"], "resourceVersion": sent_version}
            else:
                obj = self._spec_update(current, obj)
            obj = self._stored_as(tx, self.kind.validate(obj))
            return tx.update(ref, obj, obj["metadata"].get("resourceVersion"))

    def _spec_update(self, current: Object, sent: Object) -> Object:
        """A kind with a status subresource keeps its status through other updates."""
        if self.kind.on_update is not None:
            sent = self.kind.on_update(current, sent)
        if "status" in self.kind.subresources:
            sent = {**sent, "status": current.get("status")}
            if sent["status"] is None:
                del sent["status"]
        return sent

    def delete(self, namespace: str, name: str) -> Object:
        with self._store.transaction() as tx:
            for cleanup in self._on_delete:
                cleanup(tx, name)
            return tx.delete(self._ref(namespace, name))

    def events_after(self, version: int) -> builtins.list[Event]:
        return self._store.events_after(version, self.kind.group, self.kind.plural)


def place_in(kind: Kind, namespace: str, obj: Object) -> None:
    """Put the object in the request's namespace (refusing one that names another)."""
    meta = obj.setdefault("metadata", {})
    if not kind.namespaced:
        meta.pop("namespace", None)
        return
    if meta.get("namespace", namespace) != namespace:
        raise ApiError(
            "BadRequest",
            "the namespace of the provided object does not match the namespace sent on the request",
        )
    meta["namespace"] = namespace


def require_namespace(tx: Transaction, namespace: str) -> None:
    if tx.get(Ref(*NAMESPACES, "", namespace)) is None:
        raise ApiError(
            "NotFound",
            f'namespaces "{namespace}" not found',
            {"name": namespace, "kind": "namespaces"},
        )


def delete_contents(tx: Transaction, namespace: str) -> None:
    """Everything in a namespace goes with it (at once: no Terminating phase here)."""
    for group, plural in tx.namespaced_kinds(namespace):
        for obj in tx.list(group, plural, namespace).items:
            tx.delete(Ref(group, plural, namespace, obj["metadata"]["name"]))


class ProjectBackend:
    """Projects are namespaces seen through project.openshift.io: one object, two names.

    Listing and watching show each caller only the projects it may get.
    """

    def __init__(
        self, kind: Kind, namespaces: StoredBackend, visibility: Callable[[], Callable[[str], bool]]
    ) -> None:
        self.kind, self._namespaces, self._visibility = kind, namespaces, visibility

    def as_project(self, namespace: Object) -> Object:
        return {**namespace, "apiVersion": self.kind.api_version, "kind": self.kind.kind}

    def as_namespace(self, project: Object) -> Object:
        return {**project, "apiVersion": "v1", "kind": "Namespace"}

    def get(self, namespace: str, name: str) -> Object:
        try:
            return self.as_project(self._namespaces.get("", name))
        except NotFound:
            raise NotFound(f'projects.project.openshift.io "{name}" not found') from None

    def list(self, namespace: str | None, limit: int | None, after: tuple[str, str] | None) -> Page:
        page = self._namespaces.list(None, limit, after)
        visible = self._visibility()
        shown = [self.as_project(o) for o in page.items if visible(o["metadata"]["name"])]
        return Page(shown, page.resource_version, page.continue_after)

    def create(self, namespace: str, obj: Object) -> Object:
        self.kind.validate(obj)
        return self.as_project(self._namespaces.create("", self.as_namespace(obj)))

    def update(self, namespace: str, name: str, obj: Object, subresource: str | None) -> Object:
        self.kind.validate(obj)
        updated = self._namespaces.update("", name, self.as_namespace(obj), subresource)
        return self.as_project(updated)

    def delete(self, namespace: str, name: str) -> Object:
        return self.as_project(self._namespaces.delete("", name))

    def events_after(self, version: int) -> builtins.list[Event]:
        visible = self._visibility()
        return [
            Event(e.resource_version, e.type, e.namespace, self.as_project(e.object))
            for e in self._namespaces.events_after(version)
            if visible(e.object["metadata"]["name"])
        ]


class ProjectRequestBackend:
    """Creating a ProjectRequest creates the project; the answer is the Project."""

    def __init__(self, kind: Kind, projects: ProjectBackend, requester: Callable[[], str]) -> None:
        self.kind, self._projects, self._requester = kind, projects, requester

    def create(self, namespace: str, obj: Object) -> Object:
        request = self.kind.validate(obj)
        annotations: dict[str, Any] = dict(request["metadata"].get("annotations") or {})
        annotations[REQUESTER] = self._requester()
        if request.get("displayName"):
            annotations[DISPLAY_NAME] = request["displayName"]
        if request.get("description"):
            annotations[DESCRIPTION] = request["description"]
        meta = {"name": request["metadata"]["name"]}
        if annotations:
            meta["annotations"] = annotations
        project = {"apiVersion": "project.openshift.io/v1", "kind": "Project", "metadata": meta}
        return self._projects.create("", project)

    def _unsupported(self, *_args: Any) -> Any:
        raise ApiError("MethodNotAllowed", "projectrequests can only be created")

    get = update = delete = _unsupported

    def list(self, namespace: str | None, limit: int | None, after: tuple[str, str] | None) -> Page:
        return Page([], 0, None)

    def events_after(self, version: int) -> builtins.list[Event]:
        return []
