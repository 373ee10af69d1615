"""Errors in the OCI Distribution vocabulary, raised by every layer below the HTTP faces.

Each carries the spec's error code; `distribution/` maps codes to HTTP statuses.
"""

from typing import Any


class RegistryError(Exception):
    code = "UNKNOWN"

    def __init__(self, message: str, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


def _error(code_: str) -> type[RegistryError]:
    return type(code_.title().replace("_", ""), (RegistryError,), {"code": code_})


BlobUnknown = _error("BLOB_UNKNOWN")
BlobUploadInvalid = _error("BLOB_UPLOAD_INVALID")
BlobUploadUnknown = _error("BLOB_UPLOAD_UNKNOWN")
DigestInvalid = _error("DIGEST_INVALID")
ManifestBlobUnknown = _error("MANIFEST_BLOB_UNKNOWN")
ManifestInvalid = _error("MANIFEST_INVALID")
ManifestUnknown = _error("MANIFEST_UNKNOWN")
NameInvalid = _error("NAME_INVALID")
NameUnknown = _error("NAME_UNKNOWN")
SizeInvalid = _error("SIZE_INVALID")
TagInvalid = _error("TAG_INVALID")
PaginationNumberInvalid = _error("PAGINATION_NUMBER_INVALID")
TooManyRequests = _error("TOOMANYREQUESTS")


class RangeInvalid(RegistryError):
    """A chunk that does not continue the upload where it stands (answered with 416)."""

    code = "BLOB_UPLOAD_INVALID"

    def __init__(self, message: str, current_size: int) -> None:
        super().__init__(message)
        self.current_size = current_size


class ManifestTooLarge(RegistryError):
    code = "MANIFEST_INVALID"
