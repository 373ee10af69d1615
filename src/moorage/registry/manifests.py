"""Manifests, tags and referrers of a repository."""

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, NoReturn, TypeVar

from moorage.content.digest import Digest, is_digest
from moorage.content.errors import (
    DigestInvalid,
    ManifestTooLarge,
    ManifestUnknown,
    NameUnknown,
    PaginationNumberInvalid,
)
from moorage.content.manifest import (
    MAX_MANIFEST_BYTES,
    Descriptor,
    Manifest,
    PushedManifest,
    parse_manifest,
)
from moorage.content.mediatypes import IMAGE_CONFIGS
from moorage.content.names import check_tag, is_tag
from moorage.registry.blob_claims import bytes_stored
from moorage.registry.manifest_cache import ManifestCache
from moorage.registry.policy import PushPolicy
from moorage.storage import BlobStore
from moorage.store.blob_rows import BlobDeleting
from moorage.store.errors import Forbidden
from moorage.store.registry_metadata import ManifestRecord, RegistryMetadata

T = TypeVar("T")

MAX_PAGE = 10_000
ON_LOOP_BYTES = 4 << 10


@dataclass(frozen=True, slots=True)
class StoredManifest:
    digest: str
    media_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Page:
    items: list[str]
    more: bool


@dataclass(frozen=True, slots=True)
class PutResult:
    digest: str
    subject: str | None


class ManifestService:
    def __init__(self, store: BlobStore, metadata: RegistryMetadata, policy: PushPolicy) -> None:
        self._store = store
        self._policy = policy
        self._metadata = metadata
        self.cache = ManifestCache()

    def find(self, repository: str, reference: str) -> ManifestRecord:
        """The manifest `reference` names. A reference outside the tag grammar names none
        (MANIFEST_UNKNOWN, as the spec's conformance suite expects), since no such tag can
        be stored; only a PUT refuses it as TAG_INVALID."""
        if is_digest(reference):
            record = self._metadata.manifest(repository, str(Digest.parse(reference)))
        elif is_tag(reference):
            record = self._metadata.tagged_manifest(repository, reference)
        else:
            record = None
        if record is None:
            self._raise_unknown(repository, reference)
        return record

    async def get(self, repository: str, reference: str) -> StoredManifest:
        record = self.find(repository, reference)
        body = self.cache.get(record.digest)
        if body is None:
            body = await self._store.read(record.digest)
            self.cache.put(record.digest, body)
        return StoredManifest(record.digest, record.media_type, body)

    async def put(
        self, repository: str, reference: str, body: bytes, content_type: str
    ) -> PutResult:
        self._policy.check_push(repository)
        if len(body) > MAX_MANIFEST_BYTES:
            raise ManifestTooLarge(f"manifest exceeds {MAX_MANIFEST_BYTES} bytes")
        tag = None if is_digest(reference) else check_tag(reference)
        checking = partial(_checked, body, reference, content_type)
        digest, manifest = await _off_loop_if_large(len(body), checking)
        pushed = PushedManifest(digest, len(body), manifest, await self._image_config(manifest))
        await self._record(repository, pushed, body, tag)
        self.cache.put(digest, body)
        return PutResult(digest, manifest.subject.digest if manifest.subject else None)

    async def keep_mirrored(
        self, repository: str, digest: str, body: bytes, media_type: str
    ) -> None:
        """Store a manifest another registry served for `digest` (verified by the caller) in
        `repository`, which imported it; its blobs are fetched when first pulled."""
        manifest = await _off_loop_if_large(len(body), partial(parse_manifest, body, media_type))
        await self._record(
            repository, PushedManifest(digest, len(body), manifest), body, None, True
        )
        self.cache.put(digest, body)

    async def _record(
        self,
        repository: str,
        pushed: PushedManifest,
        body: bytes,
        tag: str | None,
        mirrored: bool = False,
    ) -> None:
        """Store the manifest's bytes unless they are, then record it; when the collector
        takes them meanwhile, they are written again once it is done."""
        while True:
            written = not await bytes_stored(self._metadata, pushed.digest)
            if written:
                await self._store.write(pushed.digest, body)
            record = partial(
                self._metadata.put_manifest, repository, pushed, tag, written, mirrored
            )
            try:
                return await asyncio.to_thread(record)
            except BlobDeleting:
                continue
            except Forbidden:
                if written:
                    await asyncio.to_thread(
                        self._metadata.keep_unlinked, pushed.digest, pushed.size
                    )
                raise

    async def _image_config(self, manifest: Manifest) -> dict[str, Any] | None:
        """The image's config, for the Image's metadata; None for artifacts and indexes."""
        config = manifest.config
        if config is None or config.media_type not in IMAGE_CONFIGS:
            return None
        if config.size > MAX_MANIFEST_BYTES or not await self._store.exists(config.digest):
            return None
        data = await self._store.read(config.digest)
        try:
            parsed = await _off_loop_if_large(len(data), partial(json.loads, data))
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None

    async def delete(self, repository: str, reference: str) -> None:
        """By digest: the manifest and all its tags. By tag: that tag only."""
        if is_digest(reference):
            digest = str(Digest.parse(reference))
            deleted = await asyncio.to_thread(self._metadata.delete_manifest, repository, digest)
        elif is_tag(reference):
            deleted = await asyncio.to_thread(self._metadata.delete_tag, repository, reference)
        else:
            deleted = False  # as `find`: no such tag can exist
        if not deleted:
            self._raise_unknown(repository, reference)

    def tags(self, repository: str, limit: int | None, last: str | None) -> Page:
        names = self._metadata.tags(repository, _one_more(limit), last)
        if names is None:
            raise NameUnknown(f"repository {repository} is not known", {"name": repository})
        return _page(names, limit)

    def catalog(
        self, limit: int | None, last: str | None, projects: frozenset[str] | None = None
    ) -> Page:
        """Repository names after `last`; only those in `projects`, when it is given."""
        wanted = _one_more(limit)
        if projects is None:
            return _page(self._metadata.catalog(wanted, last), limit)
        return _page(self._metadata.catalog_of(projects, wanted, last), limit)

    def referrers(
        self, repository: str, subject: str, artifact_type: str | None
    ) -> list[Descriptor]:
        Digest.parse(subject)
        return self._metadata.referrers(repository, subject, artifact_type)

    def _raise_unknown(self, repository: str, reference: str) -> NoReturn:
        if not self._metadata.repository_exists(repository):
            raise NameUnknown(f"repository {repository} is not known", {"name": repository})
        raise ManifestUnknown(
            f"manifest {reference[:80]} is not in repository {repository}",
            {"reference": reference[:80]},
        )


def _checked(body: bytes, reference: str, content_type: str) -> tuple[str, Manifest]:
    """The body's digest, the one a digest `reference` names, and the manifest it holds."""
    if not is_digest(reference):
        return str(Digest.of(body)), parse_manifest(body, content_type)
    digest = str(Digest.of(body, Digest.parse(reference).algorithm))
    if digest != reference:
        raise DigestInvalid(f"manifest body has digest {digest}, not {reference}")
    return digest, parse_manifest(body, content_type)


async def _off_loop_if_large(size: int, work: Callable[[], T]) -> T:
    """`work` on the loop for a few KiB, in a thread beyond (distribution/access.py's rule)."""
    if size <= ON_LOOP_BYTES:
        return work()
    return await asyncio.to_thread(work)


def _one_more(limit: int | None) -> int | None:
    """How many rows to fetch to learn whether a page of `limit` is the last."""
    if limit is None:
        return None
    if not 0 <= limit <= MAX_PAGE:
        raise PaginationNumberInvalid(f"n must be between 0 and {MAX_PAGE}")
    return limit + 1


def _page(items: list[str], limit: int | None) -> Page:
    if limit is None or len(items) <= limit:
        return Page(items, more=False)
    return Page(items[:limit], more=True)
