"""Backends for image.openshift.io: streams with derived status, and the views of a stream."""

from __future__ import annotations

import builtins
from collections.abc import Callable

from moorage.api.backends import (
    StoredBackend,
    place_in,
    require_namespace,
    resolve_name,
)
from moorage.api.status import ApiError, success
from moorage.content.names import is_tag
from moorage.imagestreams.imports import Imports, TagImport, pending_imports
from moorage.imagestreams.quotas import admitted
from moorage.imagestreams.sources import (
    MayPull,
    SourceRef,
    locate,
    parse_source,
    resolve_source,
)
from moorage.imagestreams.streams import ImageStreams, image_ref, spec_tags, stream_ref
from moorage.resources.kinds import Kind
from moorage.resources.objects import Object
from moorage.store.errors import NotFound
from moorage.store.resources import Event, Page, ResourceStore, Transaction, now

# What the caller in hand may pull from, against one reading of the policy.
PullCheck = Callable[[], MayPull]


class ImageStreamBackend(StoredBackend):
    """Image streams as stored (metadata, spec) with status drawn from the registry's tags.

    Spec tags naming another registry's image are imported once the stream is written.
    """

    def __init__(
        self,
        kind: Kind,
        store: ResourceStore,
        streams: ImageStreams,
        may_pull: PullCheck,
        imports: Imports,
    ) -> None:
        super().__init__(kind, store)
        self.streams, self._may_pull, self._imports = streams, may_pull, imports

    def get(self, namespace: str, name: str) -> Object:
        with self._store.reading() as tx:
            return self.streams.render(tx.connection, tx.require(stream_ref(namespace, name)))

    def list(self, namespace: str | None, limit: int | None, after: tuple[str, str] | None) -> Page:
        with self._store.reading() as tx:
            page = tx.list(self.kind.group, self.kind.plural, namespace, limit, after)
            items = self.streams.render_many(tx.connection, page.items)
        return Page(items, page.resource_version, page.continue_after)

    def create(self, namespace: str, obj: Object) -> Object:
        resolve_name(obj)
        place_in(self.kind, namespace, obj)
        obj = self.kind.validate(obj)
        obj.pop("status", None)
        name = obj["metadata"]["name"]
        may_pull = self._may_pull()  # read before the write transaction, not inside it
        with self._store.transaction() as tx, admitted(tx.connection, namespace):
            require_namespace(tx, namespace)
            tx.create(stream_ref(namespace, name), obj, shown=self.streams.renderer(tx.connection))
            local = self._follow_spec_tags(tx, namespace, name, obj, {}, may_pull)
        self._imports.run(namespace, name, pending_imports(obj, {}, local))
        return self.get(namespace, name)

    def update(self, namespace: str, name: str, obj: Object, subresource: str | None) -> Object:
        place_in(self.kind, namespace, obj)
        _require_name(obj, name)
        ref = stream_ref(namespace, name)
        may_pull = self._may_pull()
        with self._store.transaction() as tx, admitted(tx.connection, namespace):
            current = tx.require(ref)
            if subresource == "status":  # derived from the registry: nothing to write
                return self.streams.render(tx.connection, current)
            obj = self.kind.validate(obj)
            obj.pop("status", None)
            version = obj["metadata"].get("resourceVersion")
            tx.update(ref, obj, version, shown=self.streams.renderer(tx.connection))
            local = self._follow_spec_tags(tx, namespace, name, obj, current, may_pull)
        self._imports.run(namespace, name, pending_imports(obj, current, local))
        return self.get(namespace, name)

    def delete(self, namespace: str, name: str) -> Object:
        """The stream goes, and with it its tags in the registry (blobs stay until pruned)."""
        with self._store.transaction() as tx, admitted(tx.connection, namespace):
            shown = self.streams.render(tx.connection, tx.require(stream_ref(namespace, name)))
            self.streams.remove_all_tags(tx, namespace, name)
            tx.delete(stream_ref(namespace, name))
            return shown

    def _follow_spec_tags(
        self,
        tx: Transaction,
        namespace: str,
        name: str,
        obj: Object,
        before: Object,
        may_pull: MayPull,
    ) -> set[str]:
        """Tags whose `from` is new or changed and names an image of this registry are served
        at once; a tag left as it was keeps what it serves. Returns the tags taken from
        this registry (the others are for import)."""
        previous = {t.get("name"): t.get("from") for t in spec_tags(before)}
        local = set()
        for tag in spec_tags(obj):
            origin = tag.get("from")
            if not origin:
                continue
            ref = parse_source(origin, namespace, self.streams.registry_host)
            if ref is None:
                continue
            local.add(tag["name"])
            if previous.get(tag["name"]) != origin:
                source = resolve_source(tx, ref, may_pull)
                self.streams.set_tag(tx, namespace, name, tag["name"], source)
        return local


class ImageStreamTagBackend:
    """`<stream>:<tag>`: a view of one tag of a stream, and the way to tag through the API
    (from another registry's image: its spec tag is written and the image imported)."""

    def __init__(
        self,
        kind: Kind,
        store: ResourceStore,
        streams: ImageStreams,
        may_pull: PullCheck,
        imports: Imports,
    ) -> None:
        self.kind, self._store, self.streams, self._may_pull = kind, store, streams, may_pull
        self._imports = imports

    def get(self, namespace: str, name: str) -> Object:
        stream, tag = _split(name, ":")
        with self._store.reading() as tx:
            return self._view(tx, namespace, stream, tag)

    def list(self, namespace: str | None, limit: int | None, after: tuple[str, str] | None) -> Page:
        with self._store.reading() as tx:
            page = tx.list("image.openshift.io", "imagestreams", namespace)
            items = []
            for rendered in self.streams.render_many(tx.connection, page.items):
                meta = rendered["metadata"]
                for entry in rendered["status"]["tags"]:
                    items.append(self._view(tx, meta["namespace"], meta["name"], entry["tag"]))
        return Page(items, page.resource_version, None)

    def create(self, namespace: str, obj: Object) -> Object:
        name = (obj.get("metadata") or {}).get("name", "")
        place_in(self.kind, namespace, obj)
        obj = self.kind.validate(obj)
        stream, tag = _split(name, ":")
        if not is_tag(tag):
            raise ApiError(
                "Invalid",
                f"{tag!r} cannot name a tag: up to 128 letters, digits, '_', '.' and '-'",
                {"causes": [{"field": "metadata.name", "reason": "FieldValueInvalid"}]},
            )
        source = (obj.get("tag") or {}).get("from")
        if not source:
            raise ApiError(
                "Invalid",
                "tag.from is required: the image to tag",
                {"causes": [{"field": "tag.from", "reason": "FieldValueRequired"}]},
            )
        ref = parse_source(source, namespace, self.streams.registry_host)
        if ref is None:
            return self._import(namespace, stream, {**obj["tag"], "name": tag})
        may_pull = self._may_pull()
        with self._store.transaction() as tx, admitted(tx.connection, namespace):
            require_namespace(tx, namespace)
            found = resolve_source(tx, ref, may_pull)
            self.streams.set_tag(tx, namespace, stream, tag, found)
            return self._view(tx, namespace, stream, tag)

    def update(self, namespace: str, name: str, obj: Object, subresource: str | None) -> Object:
        _require_name(obj, name)
        return self.create(namespace, obj)

    def delete(self, namespace: str, name: str) -> Object:
        stream, tag = _split(name, ":")
        with self._store.transaction() as tx, admitted(tx.connection, namespace):
            shown = self._view(tx, namespace, stream, tag)
            self.streams.remove_tag(tx, namespace, stream, tag)
            return shown

    def events_after(self, version: int) -> builtins.list[Event]:
        return []

    def _import(self, namespace: str, stream: str, spec_tag: Object) -> Object:
        wanted = TagImport.of(spec_tag)
        with self._store.transaction() as tx, admitted(tx.connection, namespace):
            require_namespace(tx, namespace)
            self._imports.write_spec_tags(tx, namespace, stream, [wanted])
        self._imports.run(namespace, stream, [wanted])
        with self._store.reading() as tx:
            return self._view(tx, namespace, stream, wanted.tag)

    def _view(self, tx: Transaction, namespace: str, stream: str, tag: str) -> Object:
        """The tag's image; or, for a tag whose import failed, its spec and conditions."""
        current = tx.get(stream_ref(namespace, stream))
        found = locate(tx, SourceRef("ImageStreamTag", namespace, stream, tag))
        spec_tag = next(
            (t for t in ((current or {}).get("spec") or {}).get("tags") or [] if t["name"] == tag),
            None,
        )
        if current is None or (found is None and spec_tag is None):
            raise NotFound(f'imagestreamtags.image.openshift.io "{stream}:{tag}" not found')
        image = None
        if found is not None:
            image = tx.get(image_ref(found.digest)) or {"metadata": {"name": found.digest}}
        shown = self.streams.render(tx.connection, current)["status"]["tags"]
        conditions = next((t.get("conditions") for t in shown if t["tag"] == tag), None)
        return {
            "apiVersion": "image.openshift.io/v1",
            "kind": "ImageStreamTag",
            "metadata": {
                "name": f"{stream}:{tag}",
                "namespace": namespace,
                "uid": current["metadata"]["uid"],
                "resourceVersion": current["metadata"]["resourceVersion"],
                "creationTimestamp": current["metadata"]["creationTimestamp"],
            },
            "tag": spec_tag,
            "generation": current["metadata"].get("generation", 1),
            "lookupPolicy": (current.get("spec") or {}).get("lookupPolicy", {"local": False}),
            **({"image": image} if image else {}),
            **({"conditions": conditions} if conditions else {}),
        }


class OneVerbBackend:
    """A view that supports one verb: every other is MethodNotAllowed, saying `refusal`."""

    refusal = ""

    def get(self, namespace: str, name: str) -> Object:
        raise ApiError("MethodNotAllowed", self.refusal)

    def list(self, namespace: str | None, limit: int | None, after: tuple[str, str] | None) -> Page:
        raise ApiError("MethodNotAllowed", self.refusal)

    def create(self, namespace: str, obj: Object) -> Object:
        raise ApiError("MethodNotAllowed", self.refusal)

    def update(self, namespace: str, name: str, obj: Object, subresource: str | None) -> Object:
        raise ApiError("MethodNotAllowed", self.refusal)

    def delete(self, namespace: str, name: str) -> Object:
        raise ApiError("MethodNotAllowed", self.refusal)

    def events_after(self, version: int) -> builtins.list[Event]:
        return []


class ImageStreamImageBackend(OneVerbBackend):
    """`<stream>@<digest>`: an image as a stream holds it."""

    refusal = "imagestreamimages can only be read one at a time"

    def __init__(self, kind: Kind, store: ResourceStore) -> None:
        self.kind, self._store = kind, store

    def get(self, namespace: str, name: str) -> Object:
        stream, digest = _split(name, "@")
        with self._store.reading() as tx:
            image = tx.get(image_ref(digest))
            held = locate(tx, SourceRef("ImageStreamImage", namespace, stream, digest=digest))
            if image is None or held is None:
                raise NotFound(f'imagestreamimages.image.openshift.io "{name}" not found')
        return {
            "apiVersion": "image.openshift.io/v1",
            "kind": "ImageStreamImage",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": now()},
            "image": image,
        }


class ImageStreamMappingBackend(OneVerbBackend):
    """What a registry creates on push: tag an image in a stream.

    The image is the one the stream's repository holds under that digest, or the one its
    `dockerImageReference` names in another repository of this registry, which the caller
    must be allowed to pull from.
    """

    refusal = "imagestreammappings can only be created"

    def __init__(
        self, kind: Kind, store: ResourceStore, streams: ImageStreams, may_pull: PullCheck
    ) -> None:
        self.kind, self._store, self.streams, self._may_pull = kind, store, streams, may_pull

    def create(self, namespace: str, obj: Object) -> Object:
        place_in(self.kind, namespace, obj)
        obj = self.kind.validate(obj)
        stream, image = obj["metadata"]["name"], obj["image"]
        ref = self._source(namespace, stream, image)
        may_pull = self._may_pull()
        with self._store.transaction() as tx, admitted(tx.connection, namespace):
            require_namespace(tx, namespace)
            found = resolve_source(tx, ref, may_pull)
            if tx.get(image_ref(found.digest)) is None:
                tx.create(image_ref(found.digest), image)
            self.streams.set_tag(tx, namespace, stream, obj["tag"], found)
        return success()

    def _source(self, namespace: str, stream: str, image: Object) -> SourceRef:
        digest = image["metadata"].get("name", "")
        here = SourceRef("ImageStreamImage", namespace, stream, digest=digest)
        reference = image.get("dockerImageReference")
        if not reference:
            return here
        named = parse_source(
            {"kind": "DockerImage", "name": reference}, namespace, self.streams.registry_host
        )
        if named is None or named.digest != digest:
            return here
        return named


def _require_name(obj: Object, name: str) -> None:
    """An update names its object on the URL, which RBAC authorized: the body may not differ."""
    if (obj.get("metadata") or {}).get("name") != name:
        raise ApiError("BadRequest", "the name of the object does not match the name on the URL")


def _split(name: str, separator: str) -> tuple[str, str]:
    stream, found, rest = name.partition(separator)
    if not found or not stream or not rest:
        shape = "<stream>:<tag>" if separator == ":" else "<stream>@<digest>"
        raise ApiError("BadRequest", f"{name!r} is not of the form {shape}")
    return stream, rest
