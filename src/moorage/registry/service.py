"""The registry as the HTTP faces see it: blobs and manifests over one store."""

from dataclasses import dataclass

from moorage.registry.blobs import BlobService
from moorage.registry.manifests import ManifestService
from moorage.registry.policy import AnyRepository, PushPolicy
from moorage.registry.uploads import UploadIds
from moorage.storage import BlobStore
from moorage.store.registry_metadata import RegistryMetadata


@dataclass(frozen=True)
class Registry:
    blobs: BlobService
    manifests: ManifestService

    @classmethod
    def build(
        cls,
        store: BlobStore,
        metadata: RegistryMetadata,
        secret: bytes,
        policy: PushPolicy | None = None,
    ) -> "Registry":
        policy = policy or AnyRepository()
        return cls(
            blobs=BlobService(store, metadata, UploadIds(secret), policy),
            manifests=ManifestService(store, metadata, policy),
        )
