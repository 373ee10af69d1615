"""Blob storage drivers behind one protocol, chosen by name."""

from pathlib import Path

from moorage.storage.base import BlobStore
from moorage.storage.filesystem import FilesystemBlobStore
from moorage.storage.memory import MemoryBlobStore


def open_blob_store(driver: str, root: Path) -> BlobStore:
    if driver == "filesystem":
        return FilesystemBlobStore(root)
    if driver == "memory":
        return MemoryBlobStore()
    raise ValueError(f"unknown storage driver {driver!r} (choose filesystem or memory)")


__all__ = ["BlobStore", "open_blob_store"]
