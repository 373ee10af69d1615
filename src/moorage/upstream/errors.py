"""What can go wrong talking to another registry, each with OpenShift's reason and words."""


class UpstreamError(Exception):
    """reason: a Kubernetes Status reason (NotFound, Unauthorized, Forbidden, InternalError)."""

    reason = "InternalError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UpstreamNotFound(UpstreamError):
    reason = "NotFound"


class UpstreamUnauthorized(UpstreamError):
    reason = "Unauthorized"


class UpstreamForbidden(UpstreamError):
    """The cluster's rules refuse a registry the import was sent to."""

    reason = "Forbidden"


class UpstreamBusy(UpstreamError):
    """As many imports as the server runs at once are already waiting on other registries."""

    reason = "TooManyRequests"


class UpstreamThrottled(UpstreamError):
    """The registry answered 429: too many requests for now."""

    reason = "TooManyRequests"


class HttpOnly(UpstreamError):
    """The registry speaks plain HTTP and the import did not say insecure."""

    reason = "InternalError"


class UpstreamUnavailable(UpstreamError):
    """Unreachable, failing, or answering what is not a registry's answer."""
