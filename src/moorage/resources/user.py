"""user.openshift.io/v1: User, Identity, Group; oauth.openshift.io/v1: OAuthAccessToken.

Users and identities are made by the server when someone first logs in; an
access token's object is named by the hash of the token, never by the token.
"""

import re

from moorage.resources.base import Strict
from moorage.resources.core import TopLevel
from moorage.resources.groups import OAUTH, USERS
from moorage.resources.kinds import Kind

# "kube:admin", "alice@example.com" and "htpasswd:alice" are all valid: path segments, not DNS.
PRINCIPAL_NAME = re.compile(r"^(?!\.\.?$)[^/%]{1,253}$")
TOKEN_NAME = re.compile(r"^sha256~[A-Za-z0-9_-]{43}$")


class User(TopLevel):
    full_name: str | None = None
    identities: list[str] | None = None
    groups: list[str] | None = None


class UserReference(Strict):
    name: str
    uid: str | None = None


class Identity(TopLevel):
    provider_name: str
    provider_user_name: str
    user: UserReference
    extra: dict[str, str] | None = None


class Group(TopLevel):
    users: list[str] | None = None


class OAuthAccessToken(TopLevel):
    client_name: str
    user_name: str
    user_uid: str | None = None
    expires_in: int
    scopes: list[str] | None = None
    redirect_uri: str | None = None
    authorize_token: str | None = None
    refresh_token: str | None = None
    inactivity_timeout_seconds: int | None = None


READ_DELETE = ("delete", "get", "list", "watch")

KINDS = [
    Kind(USERS, "v1", "User", "users", "user", False, User, name_pattern=PRINCIPAL_NAME),
    Kind(
        USERS,
        "v1",
        "Identity",
        "identities",
        "identity",
        False,
        Identity,
        name_pattern=PRINCIPAL_NAME,
    ),
    Kind(USERS, "v1", "Group", "groups", "group", False, Group, name_pattern=PRINCIPAL_NAME),
    Kind(
        OAUTH,
        "v1",
        "OAuthAccessToken",
        "oauthaccesstokens",
        "oauthaccesstoken",
        False,
        OAuthAccessToken,
        verbs=READ_DELETE,
        name_pattern=TOKEN_NAME,
    ),
]
