"""Imports into a stream: read what the project may use, go out without holding the
database, then write the stream's spec tags and what each import found in one transaction.

Used by ImageStreamImport and by image streams whose spec.tags name DockerImage sources.

An import holds one of the API's request threads for as long as the other registry takes
to answer (up to client.RESPONSE_SECONDS a read), and those threads serve every request:
so at most AT_ONCE imports run at a time, and one more is refused at once (TooManyRequests)
rather than left to take the threads everyone else needs.
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from moorage.imagestreams.import_settings import ImportSettings, read_settings
from moorage.imagestreams.importing import Imported, import_image
from moorage.imagestreams.quotas import admitted
from moorage.imagestreams.streams import ImageStreams, new_stream, spec_tags, stream_ref
from moorage.resources.objects import Object
from moorage.store.errors import StoreError
from moorage.store.resources import ResourceStore, Transaction
from moorage.upstream.errors import UpstreamBusy, UpstreamError

log = logging.getLogger("moorage.api")

# When the stream's images were last looked for in other registries, as OpenShift notes it.
CHECKED = "openshift.io/image.dockerRepositoryCheck"
AT_ONCE = 2


@dataclass(frozen=True)
class TagImport:
    """One spec tag to import: `tag` of the stream from the DockerImage `source`."""

    tag: str
    source: str
    insecure: bool = False
    mode: str = "Legacy"
    reference_policy: str = "Source"
    scheduled: bool = False

    @classmethod
    def of(cls, spec_tag: Object) -> "TagImport":
        """What a spec tag whose `from` is a DockerImage asks to import."""
        policy = spec_tag.get("importPolicy") or {}
        return cls(
            spec_tag["name"],
            spec_tag["from"]["name"],
            bool(policy.get("insecure")),
            policy.get("importMode") or "Legacy",
            (spec_tag.get("referencePolicy") or {}).get("type") or "Source",
            bool(policy.get("scheduled")),
        )

    def spec_tag(self) -> Object:
        spec: Object = {
            "name": self.tag,
            "from": {"kind": "DockerImage", "name": self.source},
            "importPolicy": {"importMode": self.mode},
            "referencePolicy": {"type": self.reference_policy},
        }
        for flag in ("insecure", "scheduled"):
            if getattr(self, flag):
                spec["importPolicy"][flag] = True
        return spec


def pending_imports(stream: Object, before: Object, local: set[str]) -> list[TagImport]:
    """The spec tags of `stream` that name another registry's image and are new or changed
    since `before` (`local`: tags whose source is this registry)."""
    previous = {t.get("name"): t.get("from") for t in spec_tags(before)}
    return [
        TagImport.of(tag)
        for tag in spec_tags(stream)
        if (tag.get("from") or {}).get("kind") == "DockerImage"
        and tag["name"] not in local
        and previous.get(tag["name"]) != tag["from"]
    ]


class Imports:
    def __init__(self, store: ResourceStore, streams: ImageStreams) -> None:
        self._store, self.streams = store, streams
        self._running = threading.BoundedSemaphore(AT_ONCE)

    @contextmanager
    def slot(self) -> Iterator[None]:
        """One of the AT_ONCE imports that may run; UpstreamBusy when all are taken."""
        if not self._running.acquire(blocking=False):
            raise UpstreamBusy(f"{AT_ONCE} imports are running on this server; try again shortly")
        try:
            yield
        finally:
            self._running.release()

    def settings(self, namespace: str) -> ImportSettings:
        with self._store.reading() as tx:
            return read_settings(tx, namespace)

    def fetch(self, settings: ImportSettings, wanted: list[TagImport]) -> list[Imported]:
        return [import_image(settings, w.source, w.insecure, w.mode) for w in wanted]

    def run(self, namespace: str, name: str, wanted: list[TagImport]) -> None:
        """Import `wanted` into an existing stream (its spec already names them), in one of
        the AT_ONCE slots."""
        if not wanted:
            return
        try:
            with self.slot():
                found = self._fetched(namespace, wanted)
        except UpstreamBusy as exc:
            found = [Imported(None, error=exc) for _ in wanted]
        self._record_if_there(namespace, name, wanted, found)

    def run_scheduled(self, namespace: str, name: str, wanted: list[TagImport]) -> None:
        """As `run`, for the scheduler, which imports one stream at a time: outside the
        slots, so requests that hold them all cannot keep scheduled imports from running."""
        self._record_if_there(namespace, name, wanted, self._fetched(namespace, wanted))

    def _fetched(self, namespace: str, wanted: list[TagImport]) -> list[Imported]:
        """What `fetch` found; a failure nobody foresaw is each tag's failed import (its
        traceback logged), not an error answered for the stream just written."""
        try:
            return self.fetch(self.settings(namespace), wanted)
        except StoreError:
            raise
        except Exception:
            log.exception(f"importing into {namespace}: an unforeseen failure")
            failed = UpstreamError("the import failed unexpectedly; the server's log says why")
            return [Imported(None, error=failed) for _ in wanted]

    def _record_if_there(
        self, namespace: str, name: str, wanted: list[TagImport], found: list[Imported]
    ) -> None:
        with self._store.transaction() as tx, admitted(tx.connection, namespace):
            if tx.get(stream_ref(namespace, name)) is not None:
                self.record(tx, namespace, name, wanted, found)

    def record(
        self,
        tx: Transaction,
        namespace: str,
        name: str,
        wanted: list[TagImport],
        found: list[Imported],
    ) -> None:
        for request, imported in zip(wanted, found, strict=True):
            self.streams.record_import(tx, namespace, name, request.tag, imported)
        ref = stream_ref(namespace, name)
        stream = tx.require(ref)
        meta = stream["metadata"]
        checked = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        annotations = {**(meta.get("annotations") or {}), CHECKED: checked}
        marked = {**stream, "metadata": {**meta, "annotations": annotations}}
        tx.update(ref, marked, shown=self.streams.renderer(tx.connection))

    def all_streams(self) -> list[Object]:
        with self._store.reading() as tx:
            return tx.list("image.openshift.io", "imagestreams", None).items

    def write_spec_tags(
        self, tx: Transaction, namespace: str, name: str, wanted: list[TagImport]
    ) -> None:
        """The stream (made if missing) with a spec tag for each import, as oc import-image
        leaves it."""
        ref = stream_ref(namespace, name)
        stream = tx.get(ref)
        if stream is None:
            stream = tx.create(
                ref, new_stream(namespace, name), shown=self.streams.renderer(tx.connection)
            )
        spec = dict(stream.get("spec") or {})
        tags = {t["name"]: t for t in spec.get("tags") or []}
        for request in wanted:
            tags[request.tag] = {**tags.get(request.tag, {}), **request.spec_tag()}
        spec["tags"] = list(tags.values())
        if spec != stream.get("spec"):
            tx.update(ref, {**stream, "spec": spec}, shown=self.streams.renderer(tx.connection))
