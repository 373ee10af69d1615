"""Manifests, tags and referrers of a repository."""

import asyncio
import json
from dataclasses import dataclass
from typing import Any, NoReturn

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
from moorage.registry.manifest_cache import ManifestCache
from moorage.registry.policy import PushPolicy
from moorage.storage import BlobStore
from moorage.store.registry_metadata import ManifestRecord, RegistryMetadata

MAX_PAGE = 10_000


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
        self._cache = ManifestCache()

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
        body = self._cache.get(record.digest)
        if body is None:
            body = await self._store.read(record.digest)
            self._cache.put(record.digest, body)
        return StoredManifest(record.digest, record.media_type, body)

    async def put(
        self, repository: str, reference: str, body: bytes, content_type: str
    ) -> PutResult:
        self._policy.check_push(repository)
        if len(body) > MAX_MANIFEST_BYTES:
            raise ManifestTooLarge(f"manifest exceeds {MAX_MANIFEST_BYTES} bytes")
        if is_digest(reference):
            wanted = Digest.parse(reference)
            digest, tag = str(Digest.of(body, wanted.algorithm)), None
            if digest != reference:
                raise DigestInvalid(f"manifest body has digest {digest}, not {reference}")
        else:
            digest, tag = str(Digest.of(body)), check_tag(reference)
        manifest = parse_manifest(body, content_type)
        if not await self._store.exists(digest):
            await self._store.write(digest, body)
        pushed = PushedManifest(digest, len(body), manifest, await self._image_config(manifest))
        await asyncio.to_thread(self._metadata.put_manifest, repository, pushed, tag)
        self._cache.put(digest, body)
        return PutResult(digest, manifest.subject.digest if manifest.subject else None)

    async def _image_config(self, manifest: Manifest) -> dict[str, Any] | None:
        """The image's config, for the Image's metadata; None for artifacts and indexes."""
        config = manifest.config
        if config is None or config.media_type not in IMAGE_CONFIGS:
            return None
        if config.size > MAX_MANIFEST_BYTES or not await self._store.exists(config.digest):
            return None
        try:
            parsed = json.loads(await self._store.read(config.digest))
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
