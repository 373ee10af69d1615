"""The registry's reading of a request's credentials (auth/credentials.py parses the header).

For Basic, the user name is ignored and the password is an API access token
(`moorage whoami -t`), as with OpenShift's registry. Basic splits at the first
colon, so `user:name` with a token reads as user `user` with password
`name:<token>`: such credentials are refused with a message that says why.
"""

from aiohttp import web

from moorage.auth import tokens
from moorage.auth.credentials import BASIC, BadCredentials, Credentials, parse


def credentials(request: web.Request) -> Credentials:
    found = parse(request.headers.get("Authorization"))
    colon_in_user = ":" in found.secret and tokens.well_formed(found.secret.rpartition(":")[2])
    if found.scheme == BASIC and colon_in_user:
        raise BadCredentials("user names cannot contain colons")
    return found
