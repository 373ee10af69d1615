"""Blob storage drivers behind one protocol, chosen by name."""

from pathlib import Path

from moorage.storage.base import BlobStore
from moorage.storage.filesystem import FilesystemBlobStore
from moorage.storage.memory import MemoryBlobStore
from moorage.storage.s3 import S3BlobStore
from moorage.storage.s3_client import S3Location


def open_blob_store(driver: str, root: Path, s3: S3Location | None = None) -> BlobStore:
    """`root` is the filesystem driver's directory; `s3`, the s3 driver's bucket."""
    if driver == "filesystem":
        return FilesystemBlobStore(root)
    if driver == "memory":
        return MemoryBlobStore()
    if driver == "s3" and s3 is not None:
        return S3BlobStore(s3)
    raise ValueError(f"unknown storage driver {driver!r} (choose filesystem, memory or s3)")


__all__ = ["BlobStore", "open_blob_store"]
