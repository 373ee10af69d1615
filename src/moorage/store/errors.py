"""What the resource store refuses, in the vocabulary of Kubernetes Status reasons."""


class StoreError(Exception):
    reason = "InternalError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(StoreError):
    reason = "NotFound"


class AlreadyExists(StoreError):
    reason = "AlreadyExists"


class Conflict(StoreError):
    reason = "Conflict"


class Gone(StoreError):
    """A watch asked to resume from a resourceVersion older than the change log keeps."""

    reason = "Expired"


class Unavailable(StoreError):
    """The database cannot answer now (unreachable, restarting, or its write lock held too long)."""

    reason = "ServiceUnavailable"
    # How long a client is asked to wait before trying again.
    retry_after_seconds = 1


class Forbidden(StoreError):
    """A write a policy of the project refuses (a quota, an immutable tag): the message says
    which, and why."""

    reason = "Forbidden"
