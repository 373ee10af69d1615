"""Blob storage drivers behind one protocol, chosen by name."""

from pathlib import Path

from moorage.storage.azure import AzureBlobStore
from moorage.storage.azure_client import AzureLocation
from moorage.storage.base import BlobStore
from moorage.storage.filesystem import FilesystemBlobStore
from moorage.storage.gcs import GcsBlobStore
from moorage.storage.gcs_client import GcsLocation
from moorage.storage.memory import MemoryBlobStore
from moorage.storage.s3 import S3BlobStore
from moorage.storage.s3_client import S3Location

CloudLocation = S3Location | AzureLocation | GcsLocation
CLOUD_NAMES = {"s3": "S3", "azure": "Azure", "gcs": "GCS"}  # by driver, as messages say them


def open_blob_store(driver: str, root: Path, cloud: CloudLocation | None = None) -> BlobStore:
    """`root` is the filesystem driver's directory; `cloud`, a cloud driver's bucket or
    container."""
    if driver == "filesystem":
        return FilesystemBlobStore(root)
    if driver == "memory":
        return MemoryBlobStore()
    if driver == "s3" and isinstance(cloud, S3Location):
        return S3BlobStore(cloud)
    if driver == "azure" and isinstance(cloud, AzureLocation):
        return AzureBlobStore(cloud)
    if driver == "gcs" and isinstance(cloud, GcsLocation):
        return GcsBlobStore(cloud)
    raise ValueError(
        f"unknown storage driver {driver!r} (choose filesystem, memory, s3, azure or gcs)"
    )


__all__ = ["CLOUD_NAMES", "BlobStore", "CloudLocation", "open_blob_store"]
