"""Access tokens: random secrets handed out once, kept server-side only as a hash.

A token is `sha256~` and 43 characters of URL-safe base64 (256 random bits),
as OpenShift's are; its OAuthAccessToken object is named `sha256~` and the
hash of the part after the prefix, so the store never holds a usable token and
a lookup by name reveals nothing through its timing.
"""

import base64
import hashlib
import secrets

PREFIX = "sha256~"
USER_TOKEN_LIFETIME = 24 * 3600
CLIENT_CHALLENGING = "openshift-challenging-client"
CLIENT_SERVICE_ACCOUNT = "serviceaccount-token-request"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_token() -> str:
    return PREFIX + _b64(secrets.token_bytes(32))


def object_name(token: str) -> str:
    """The name of a token's OAuthAccessToken object: the hash of its secret part."""
    secret = token.removeprefix(PREFIX)
    return PREFIX + _b64(hashlib.sha256(secret.encode()).digest())


def well_formed(token: str) -> bool:
    return token.startswith(PREFIX) and len(token) == len(PREFIX) + 43 and token.isascii()
