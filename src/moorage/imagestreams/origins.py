"""Where a repository's imported images come from, for the registry's pull-through.

A manifest or blob missing here is looked for in the other registries this
repository's own tag history names (newest first, secure before insecure),
reached as an import into its project reaches them: the project's pull secrets,
the cluster's registry rules, trusted CAs and proxy. So a pull through a
repository reaches nothing its project did not import, and a registry the rules
block now is not called, whatever was imported before.

What may be fetched: a tag's current image or an image of the history (by
digest), and what a manifest stored here references (the layers, config and
children of an image pulled through). Bytes are always fetched and verified,
never taken from another project's copy because a manifest names their digest.

Calls block (network and database): the registry runs them on threads.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TypeVar

from sqlalchemy import Connection

from moorage.content.digest import is_digest
from moorage.content.names import is_tag, split_repository
from moorage.imagestreams.import_settings import ImportSettings, read_settings
from moorage.imagestreams.kept_clients import KeptClients
from moorage.imagestreams.streams import spec_tags, stream_ref
from moorage.store import tags
from moorage.store.resources import ResourceStore, Transaction
from moorage.upstream.allowance import Allowance
from moorage.upstream.client import RegistryClient
from moorage.upstream.errors import UpstreamError, UpstreamNotFound
from moorage.upstream.references import BadReference, DockerReference, parse_reference

# Told of every call to another registry: (its host, the operation, seconds, error reason).
Report = Callable[[str, str, float, str | None], None]
GET_MANIFEST, GET_BLOB, STAT_BLOB = "ManifestService.Get", "BlobStore.Open", "BlobStore.Stat"
T = TypeVar("T")


@dataclass(frozen=True)
class Upstream:
    image: DockerReference  # a repository in another registry
    insecure: bool


@dataclass(frozen=True)
class Origin:
    """Where `digest`, missing in a repository, may be fetched from."""

    digest: str
    upstreams: tuple[Upstream, ...]
    settings: ImportSettings
    referrer: str | None = None  # a manifest here that references the blob

    @property
    def where(self) -> str:
        return self.upstreams[0].image.repository


class Origins:
    def __init__(self, resources: ResourceStore, report: Report) -> None:
        self._resources, self._report = resources, report
        self._kept = KeptClients()

    def of_manifest(self, repository: str, reference: str) -> Origin | None:
        """Where the manifest `reference` (a tag or digest) of `repository` comes from; None
        when the repository imported no such image."""
        with self._resources.reading() as tx:
            repo_id = _repository(tx, repository)
            if repo_id is None:
                return None
            conn = tx.connection
            digest = reference if is_digest(reference) else None
            if digest is None and is_tag(reference):
                digest = tags.current(conn, repo_id, reference)
            if digest is None:
                return None
            found = _imported(conn, repo_id, digest)
            return self._origin(tx, repository, digest, found)

    def of_blob(self, repository: str, digest: str) -> Origin | None:
        """Where a blob that a manifest of `repository` references comes from: where that
        manifest came from. None when no manifest here references it, or the one that does was
        imported from no other registry. Index lookups only, however long the history."""
        with self._resources.reading() as tx:
            repo_id = _repository(tx, repository)
            if repo_id is None:
                return None
            referrer = tags.referencing_manifest(tx.connection, repo_id, digest)
            if referrer is None:
                return None
            found = _imported(tx.connection, repo_id, referrer)
            origin = self._origin(tx, repository, digest, found)
            return origin and replace(origin, referrer=referrer)

    def fetch_manifest(self, origin: Origin) -> tuple[bytes, str]:
        """The manifest's body and media type, verified against its digest; the last
        registry's error when none serves it."""
        fetched = self._first(origin, GET_MANIFEST, lambda c, i: c.manifest(i, origin.digest))
        return fetched.body, fetched.media_type

    def has_blob(self, origin: Origin) -> bool:
        """Whether a registry the blob comes from has it (asked with a HEAD)."""
        try:
            self._first(origin, STAT_BLOB, lambda c, i: c.stat_blob(i, origin.digest))
        except UpstreamError:
            return False
        return True

    def _first(
        self, origin: Origin, operation: str, call: Callable[[RegistryClient, DockerReference], T]
    ) -> T:
        """What `call` answers for the first registry that answers it; the last registry's
        error when none does."""
        failed: UpstreamError = UpstreamNotFound(f"{origin.digest} has no registry to come from")
        for upstream in origin.upstreams:
            started = time.monotonic()
            try:
                client = self._kept.client(origin.settings, upstream.image, upstream.insecure)
                answer = call(client, upstream.image)
            except UpstreamError as exc:
                failed = exc
                self._done(upstream, operation, started, exc)
                continue
            self._done(upstream, operation, started, None)
            return answer
        raise failed

    def download(self, origin: Origin, write: Callable[[bytes], None]) -> None:
        """Hand the blob's bytes to `write` as they arrive, from the first registry that
        sends any; unverified (the caller hashes them)."""
        failed: UpstreamError = UpstreamNotFound(f"{origin.digest} has no registry to come from")
        for upstream in origin.upstreams:
            started, sent = time.monotonic(), False
            try:
                client = self._kept.client(origin.settings, upstream.image, upstream.insecure)
                for chunk in client.blob_stream(upstream.image, origin.digest):
                    sent = True
                    write(chunk)
            except UpstreamError as exc:
                self._done(upstream, GET_BLOB, started, exc)
                if sent:
                    raise
                failed = exc
                continue
            self._done(upstream, GET_BLOB, started, None)
            return
        raise failed

    def _origin(
        self, tx: Transaction, repository: str, digest: str, references: list[str]
    ) -> Origin | None:
        """The registries `references` name (one entry each), secure ones first; None for none."""
        place = split_repository(repository)
        assert place is not None
        images: dict[str, DockerReference] = {}
        for reference in references:
            try:
                image = parse_reference(reference)
            except BadReference:
                continue
            images.setdefault(image.repository, DockerReference(image.host, image.path))
        if not images:
            return None
        settings = self._kept.settings(place[0], lambda: _settings(tx, place[0]))
        insecure = _insecure_hosts(tx, *place)
        upstreams = [
            Upstream(image, image.host in insecure or settings.rules.allows_http(image))
            for image in images.values()
        ]
        upstreams.sort(key=lambda upstream: upstream.insecure)
        return Origin(digest, tuple(upstreams), settings)

    def _done(
        self, upstream: Upstream, operation: str, started: float, error: UpstreamError | None
    ) -> None:
        reason = None if error is None else error.reason
        self._report(upstream.image.host, operation, time.monotonic() - started, reason)


def _imported(conn: Connection, repo_id: int, digest: str) -> list[str]:
    """Where the tag history says the manifest `digest` came from; for a manifest of an
    index imported whole, where the index came from."""
    found = tags.upstream_references(conn, repo_id, digest)
    if not found:
        index = tags.referencing_manifest(conn, repo_id, digest)
        if index is not None:
            found = tags.upstream_references(conn, repo_id, index)
    return found


def _repository(tx: Transaction, repository: str) -> int | None:
    if split_repository(repository) is None:
        return None
    return tags.repository_id(tx.connection, repository)


def _settings(tx: Transaction, namespace: str) -> ImportSettings:
    # Layers are large and slow to come: no bound beside the read timeout between chunks.
    return replace(read_settings(tx, namespace), allowance=Allowance())


def _insecure_hosts(tx: Transaction, namespace: str, name: str) -> set[str]:
    """Hosts the stream's spec tags import from with importPolicy.insecure."""
    hosts = set()
    for spec_tag in spec_tags(tx.get(stream_ref(namespace, name)) or {}):
        source = spec_tag.get("from") or {}
        insecure = (spec_tag.get("importPolicy") or {}).get("insecure")
        if source.get("kind") == "DockerImage" and insecure:
            try:
                hosts.add(parse_reference(str(source.get("name"))).host)
            except BadReference:
                continue
    return hosts
