"""What an Authorization header says: nothing, Basic user:password, or a Bearer token.

Pure (a header in, Credentials out), for the API and the registry alike; each
decides which schemes it takes.
"""

import base64
import binascii
from typing import NamedTuple

NONE, BASIC, BEARER = "", "basic", "bearer"


class BadCredentials(Exception):
    """Credentials that cannot be read; the message is safe to show."""


class Credentials(NamedTuple):  # a tuple: made on every request, and cheaper than a dataclass
    scheme: str  # NONE, BASIC or BEARER
    user: str = ""
    secret: str = ""


def parse(header: str | None) -> Credentials:
    if header is None:
        return Credentials(NONE)
    scheme, _, value = header.strip().partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == BEARER and value:
        return Credentials(BEARER, secret=value)
    if scheme == BASIC:
        return _basic(value)
    raise BadCredentials("credentials must be Basic or Bearer")


def _basic(value: str) -> Credentials:
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise BadCredentials("malformed Basic credentials") from None
    user, sep, password = decoded.partition(":")
    if not sep:
        raise BadCredentials("malformed Basic credentials")
    return Credentials(BASIC, user, password)
