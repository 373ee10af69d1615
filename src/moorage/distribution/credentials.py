"""What a request's Authorization header says: nothing, Basic user:password, or a Bearer token.

For Basic, the user name is ignored and the password is an API access token
(`moorage whoami -t`), as with OpenShift's registry. Basic splits at the first
colon, so `user:name` with a token reads as user `user` with password
`name:<token>`: such credentials are refused with a message that says why.
"""

import base64
import binascii
from typing import NamedTuple

from aiohttp import web

from moorage.auth import tokens

NONE, BASIC, BEARER = "", "basic", "bearer"


class BadCredentials(Exception):
    """Credentials that cannot be read; the message is safe to show."""


class Credentials(NamedTuple):  # a tuple: made on every request, and cheaper than a dataclass
    scheme: str  # NONE, BASIC or BEARER
    user: str = ""
    secret: str = ""


def credentials(request: web.Request) -> Credentials:
    header = request.headers.get("Authorization")
    if header is None:
        return Credentials(NONE)
    scheme, _, value = header.strip().partition(" ")
    scheme, value = scheme.lower(), value.strip()
    if scheme == BEARER and value:
        return Credentials(BEARER, secret=value)
    if scheme == BASIC:
        return _basic(value)
    raise BadCredentials("credentials must be Basic (any user name, an API token) or Bearer")


def _basic(value: str) -> Credentials:
    try:
        decoded = base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise BadCredentials("malformed Basic credentials") from None
    user, sep, password = decoded.partition(":")
    if not sep:
        raise BadCredentials("malformed Basic credentials")
    if ":" in password and tokens.well_formed(password.rpartition(":")[2]):
        raise BadCredentials("user names cannot contain colons")
    return Credentials(BASIC, user, password)
