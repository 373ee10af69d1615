"""The registry as the HTTP faces see it: blobs and manifests over one store, and what
another registry serves for the repositories that imported it."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moorage.registry.blob_mirrors import BlobMirrors
from moorage.registry.blobs import BlobService
from moorage.registry.manifests import ManifestService
from moorage.registry.policy import AnyRepository, PushPolicy
from moorage.registry.pullthrough import Origins, PullThrough
from moorage.registry.uploads import UploadIds
from moorage.storage import BlobStore
from moorage.store.registry_metadata import RegistryMetadata


@dataclass(frozen=True)
class Registry:
    blobs: BlobService
    manifests: ManifestService
    pullthrough: PullThrough[Any] | None = None

    @classmethod
    def build(
        cls,
        store: BlobStore,
        metadata: RegistryMetadata,
        secret: bytes,
        policy: PushPolicy | None = None,
        origins: tuple[Origins[Any], Path] | None = None,
    ) -> "Registry":
        """`origins`: where imported images come from, and the directory blobs on their way
        from there are spooled in; without, nothing is pulled through."""
        policy = policy or AnyRepository()
        blobs = BlobService(store, metadata, UploadIds(secret), policy)
        manifests = ManifestService(store, metadata, policy)
        if origins is None:
            return cls(blobs, manifests)
        source, spool = origins
        return cls(blobs, manifests, PullThrough(source, manifests, blobs, BlobMirrors(spool)))
