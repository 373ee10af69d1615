"""ImageStreamImport: import images from other registries into a stream, answered with what
each import found (status.images[], status.repository) and, with spec.import, the stream
as it is afterwards (status.import). Never stored."""

from __future__ import annotations

import dataclasses

from moorage.api.backends import place_in, require_namespace
from moorage.api.image_backends import OneVerbBackend
from moorage.api.status import ApiError
from moorage.imagestreams.import_settings import ImportSettings
from moorage.imagestreams.importing import Imported, import_repository
from moorage.imagestreams.imports import Imports, TagImport
from moorage.imagestreams.quotas import admitted
from moorage.imagestreams.streams import stream_ref
from moorage.resources.kinds import Kind
from moorage.resources.objects import Object
from moorage.store.resources import ResourceStore
from moorage.upstream.errors import UpstreamBusy, UpstreamError

CODES = {
    "NotFound": 404,
    "Unauthorized": 401,
    "Forbidden": 403,
    "Invalid": 422,
    "TooManyRequests": 429,
}


class ImageStreamImportBackend(OneVerbBackend):
    refusal = "imagestreamimports can only be created"

    def __init__(self, kind: Kind, store: ResourceStore, imports: Imports) -> None:
        self.kind, self._store, self._imports = kind, store, imports

    def create(self, namespace: str, obj: Object) -> Object:
        place_in(self.kind, namespace, obj)
        obj = self.kind.validate(obj)
        name, spec = obj["metadata"]["name"], obj["spec"]
        with self._store.reading() as tx:
            require_namespace(tx, namespace)
        images = [_requested(entry) for entry in spec.get("images") or []]
        try:
            with self._imports.slot():
                status, images, found = self._fetch(namespace, spec, images)
        except UpstreamBusy as exc:
            raise ApiError(exc.reason, exc.message, {"retryAfterSeconds": 1}) from None
        if spec.get("import"):
            kept = [(w, f) for w, f in zip(images, found, strict=True) if w.tag]
            status["import"] = self._write(namespace, name, kept)
        return {**obj, "status": status}

    def _fetch(
        self, namespace: str, spec: Object, images: list[TagImport]
    ) -> tuple[Object, list[TagImport], list[Imported]]:
        """What the images and the repository the spec names hold: their statuses, and every
        image wanted (the repository's tags after the images) with its import."""
        settings = self._imports.settings(namespace)
        found = self._imports.fetch(settings, images)
        status: Object = {
            "images": [_image_status(w, f) for w, f in zip(images, found, strict=True)]
        }
        if spec.get("repository"):
            repository, more = self._repository(settings, spec["repository"], status)
            images, found = images + repository, found + more
        return status, images, found

    def _repository(
        self, settings: ImportSettings, entry: Object, status: Object
    ) -> tuple[list[TagImport], list[Imported]]:
        """Every tag of the repository (up to 50); the status says which were left out."""
        base = _requested({**entry, "to": None})
        try:
            done, left = import_repository(settings, base.source, base.insecure, base.mode)
        except UpstreamError as exc:
            status["repository"] = {"status": _failure(exc)}
            return [], []
        repository = _untagged(base.source)
        wanted = [
            dataclasses.replace(base, tag=tag, source=f"{repository}:{tag}") for tag, _ in done
        ]
        images = [_image_status(w, imported) for w, (_, imported) in zip(wanted, done, strict=True)]
        status["repository"] = {"status": _success(), "images": images}
        if left:
            status["repository"]["additionalTags"] = left
        return wanted, [imported for _, imported in done]

    def _write(self, namespace: str, name: str, kept: list[tuple[TagImport, Imported]]) -> Object:
        wanted = [w for w, _ in kept]
        with self._store.transaction() as tx, admitted(tx.connection, namespace):
            require_namespace(tx, namespace)
            self._imports.write_spec_tags(tx, namespace, name, wanted)
            self._imports.record(tx, namespace, name, wanted, [f for _, f in kept])
            streams = self._imports.streams
            return streams.render(tx.connection, tx.require(stream_ref(namespace, name)))


def _untagged(source: str) -> str:
    """A repository reference without its tag (a port's colon is not a tag's)."""
    head, colon, tail = source.rpartition(":")
    return head if colon and "/" not in tail else source


def _requested(entry: Object) -> TagImport:
    to = (entry.get("to") or {}).get("name") or ""
    return TagImport.of({**entry, "name": to})


def _image_status(wanted: TagImport, imported: Imported) -> Object:
    shown: Object = {"status": _failure(imported.error) if imported.error else _success()}
    if imported.image is not None:
        shown["image"] = imported.image
    if wanted.tag:
        shown["tag"] = wanted.tag
    return shown


def _success() -> Object:
    return {"metadata": {}, "status": "Success"}


def _failure(error: UpstreamError) -> Object:
    return {
        "metadata": {},
        "status": "Failure",
        "message": error.message,
        "reason": error.reason,
        "code": CODES.get(error.reason, 500),
    }
