"""Pull-through: what a repository imported from another registry, served from here.

A manifest missing here that the repository's image stream imported is fetched
from the other registry, verified, stored and then served as if pushed; a blob
such a manifest references is streamed to the client while it is mirrored into
storage (registry/blob_mirrors.py), once however many ask. Afterwards both are
served from storage, whether or not the other registry still has them.

Where to fetch from, and with which credentials, is the `Origins`' business
(imagestreams/origins.py): only the images the repository's own history names.
Pulling through needs what any pull needs; the access check comes before.
"""

import asyncio
from collections.abc import AsyncGenerator, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

from moorage.content.errors import (
    BlobUnknown,
    ManifestUnknown,
    RegistryError,
    TooManyRequests,
)
from moorage.content.manifest import parse_manifest
from moorage.registry.blob_mirrors import BlobMirrors, Fetch
from moorage.registry.blobs import BlobService
from moorage.registry.manifests import ManifestService
from moorage.upstream.errors import UpstreamError, UpstreamThrottled

CALLS_AT_ONCE = 4  # lookups and manifest fetches, per worker
T = TypeVar("T")


class Origin(Protocol):
    @property
    def digest(self) -> str: ...

    @property
    def referrer(self) -> str | None: ...

    @property
    def where(self) -> str: ...


OriginT = TypeVar("OriginT", bound=Origin)


class Origins(Protocol, Generic[OriginT]):
    """Where what a repository imported comes from; every method blocks."""

    def of_manifest(self, repository: str, reference: str) -> OriginT | None: ...

    def of_blob(self, repository: str, digest: str) -> OriginT | None: ...

    def fetch_manifest(self, origin: OriginT) -> tuple[bytes, str]: ...

    def has_blob(self, origin: OriginT) -> bool: ...

    def download(self, origin: OriginT, write: Callable[[bytes], None]) -> None: ...


@dataclass(frozen=True)
class RemoteBlob:
    """A blob served through: its size, and its bytes as they arrive."""

    size: int
    open: Callable[[int, int], AsyncGenerator[bytes, None]]  # (offset, length)


class PullThrough(Generic[OriginT]):
    def __init__(
        self,
        origins: Origins[OriginT],
        manifests: ManifestService,
        blobs: BlobService,
        mirrors: BlobMirrors,
    ) -> None:
        self._origins, self._manifests, self._blobs = origins, manifests, blobs
        self._mirrors = mirrors
        self._fetching: dict[tuple[str, str], asyncio.Future[None]] = {}
        # Threads of their own: a registry slow to answer must not take those every request
        # of this worker needs (asyncio's default executor has a handful on small machines).
        self._calls = ThreadPoolExecutor(CALLS_AT_ONCE, thread_name_prefix="pullthrough")
        self.fetched = 0  # blobs served from another registry, for the cache metric

    async def manifest(self, repository: str, reference: str) -> bool:
        """Fetch and store the manifest `reference` names, when `repository` imported it:
        True once it is stored here. MANIFEST_UNKNOWN naming the registry when that fails."""
        origin = await self._call(self._origins.of_manifest, repository, reference)
        if origin is None:
            return False
        key = (repository, origin.digest)
        running = self._fetching.get(key)
        if running is not None:  # one fetch per manifest: the others wait for it
            await asyncio.shield(running)
            return True
        self._fetching[key] = future = asyncio.get_running_loop().create_future()
        try:
            await self._store_manifest(repository, origin)
            future.set_result(None)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody else may wait for it
            raise
        finally:
            del self._fetching[key]
        return True

    async def close(self) -> None:
        """Stop the blob downloads running (a later pull fetches them again)."""
        await self._mirrors.close()
        self._calls.shutdown(wait=False, cancel_futures=True)

    async def _call(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._calls, call, *args)

    async def _store_manifest(self, repository: str, origin: OriginT) -> None:
        try:
            body, media_type = await self._call(self._origins.fetch_manifest, origin)
        except UpstreamError as exc:
            saying = f"unable to pull manifest from {origin.where}"
            raise _answer(exc, ManifestUnknown, saying) from None
        await self._manifests.keep_mirrored(repository, origin.digest, body, media_type)

    async def blob(self, repository: str, digest: str) -> RemoteBlob | None:
        """The blob, when a manifest `repository` pulled through references it."""
        fetch = await self._fetch(repository, digest)
        if fetch is None:
            return None
        self.fetched += 1
        return RemoteBlob(fetch.size, partial(self._read, fetch))

    async def store_blob(self, repository: str, digest: str) -> bool:
        """Fetch the blob into storage now, when a manifest `repository` pulled through
        references it: True once it is stored, False when it cannot be."""
        fetch = await self._fetch(repository, digest)
        if fetch is None:
            return False
        try:
            await self._mirrors.settle(fetch)
        except RegistryError:
            return False
        return True

    async def blob_size(self, repository: str, digest: str) -> int | None:
        """The blob's size, when a manifest `repository` pulled through references it and
        its registry has it."""
        found = await self._found(repository, digest)
        if found is None or not await self._call(self._origins.has_blob, found[0]):
            return None
        return found[1]

    async def _found(self, repository: str, digest: str) -> tuple[OriginT, int] | None:
        """Where the blob comes from and its size, when a manifest here references it."""
        origin = await self._call(self._origins.of_blob, repository, digest)
        if origin is None or origin.referrer is None:
            return None
        size = await self._size(repository, origin.referrer, digest)
        return None if size is None else (origin, size)

    async def _fetch(self, repository: str, digest: str) -> Fetch | None:
        found = await self._found(repository, digest)
        if found is None:
            return None
        origin, size = found
        return Fetch(
            repository,
            digest,
            size,
            partial(self._origins.download, origin),
            partial(self._blobs.adopt, repository, digest, size),
            partial(_failure, origin.where, digest),
            partial(self._stored, repository, digest),
        )

    def _read(self, fetch: Fetch, offset: int, length: int) -> AsyncGenerator[bytes, None]:
        chunks = self._mirrors.read(fetch, offset, length)
        return self._blobs.stream(fetch.digest, offset, length) if chunks is None else chunks

    def _stored(self, repository: str, digest: str) -> bool:
        try:
            self._blobs.size(repository, digest)
        except BlobUnknown:
            return False
        return True

    async def _size(self, repository: str, referrer: str, digest: str) -> int | None:
        """The size the referring manifest gives the blob (a child manifest's too)."""
        stored = await self._manifests.get(repository, referrer)
        manifest = parse_manifest(stored.body, stored.media_type)
        for descriptor in (manifest.config, *manifest.blobs, *manifest.children):
            if descriptor is not None and descriptor.digest == digest:
                return descriptor.size
        return None


def _failure(where: str, digest: str, exc: Exception) -> RegistryError:
    if isinstance(exc, UpstreamError):
        return _answer(exc, BlobUnknown, f"unable to pull blob {digest} from {where}")
    return BlobUnknown(f"unable to pull blob {digest} from {where}", {"digest": digest})


def _answer(exc: UpstreamError, unknown: type[RegistryError], saying: str) -> RegistryError:
    """TOOMANYREQUESTS for a registry that throttles, else `unknown` with its reason."""
    if isinstance(exc, UpstreamThrottled):
        return TooManyRequests(f"{saying}: {exc.message}")
    return unknown(f"{saying}: {exc.message}")
