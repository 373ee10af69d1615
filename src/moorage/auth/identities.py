"""Authentication: passwords to principals, principals to tokens, tokens back to principals.

Users of the htpasswd provider get a User and an Identity on first login, as
OpenShift's `claim` mapping does; `kubeadmin` is the bootstrap administrator
whose password hash lives in the Secret kube-system/kubeadmin, and who stops
existing when that Secret is deleted. A token is good while it has not
expired and its user still exists.
"""

import calendar
import threading
import time

from moorage.auth import kubeadmin, tokens
from moorage.auth.passwords import HtpasswdFile, check_password
from moorage.auth.principal import (
    AUTHENTICATED,
    AUTHENTICATED_OAUTH,
    CLUSTER_ADMINS,
    KUBE_ADMIN,
    Principal,
    service_account,
)
from moorage.resources.groups import OAUTH, USERS
from moorage.resources.objects import Object
from moorage.store.resources import Ref, ResourceStore, Transaction

HTPASSWD_PROVIDER = "htpasswd"


class LoginRefused(Exception):
    """Why a login failed; the message is safe to show (it never says which part was wrong)."""


def token_ref(token: str) -> Ref:
    return Ref(OAUTH, "oauthaccesstokens", "", tokens.object_name(token))


def _user_ref(name: str) -> Ref:
    return Ref(USERS, "users", "", name)


class Identities:
    def __init__(self, store: ResourceStore, htpasswd: HtpasswdFile | None = None) -> None:
        self._store = store
        self._htpasswd = htpasswd
        self._groups = GroupMembers()

    def login(self, username: str, password: str) -> Principal:
        """The principal these credentials prove, its User made on first login."""
        if ":" in username:
            raise LoginRefused("a user name cannot contain a colon")
        if username == kubeadmin.USERNAME:
            with self._store.reading() as tx:
                hashed = kubeadmin.password_hash(tx)
            if hashed is not None and check_password(password, hashed):
                return self._kube_admin()
            raise LoginRefused("invalid user name or password")
        if self._htpasswd is None or not self._htpasswd.check(username, password):
            raise LoginRefused("invalid user name or password")
        return self._provision(username)

    def issue(self, principal: Principal, client: str, lifetime: int) -> tuple[str, Object]:
        """A new token for `principal`; the token itself is returned once and never stored."""
        token = tokens.new_token()
        obj = {
            "apiVersion": f"{OAUTH}/v1",
            "kind": "OAuthAccessToken",
            "metadata": {"name": tokens.object_name(token)},
            "clientName": client,
            "userName": principal.name,
            "userUID": principal.uid,
            "expiresIn": lifetime,
            "scopes": ["user:full"],
        }
        with self._store.transaction() as tx:
            stored = tx.create(token_ref(token), obj)
        return token, stored

    def authenticate(self, token: str) -> Principal | None:
        """The principal a token stands for, or None: unknown, expired, or its user gone."""
        if not tokens.well_formed(token):
            return None
        with self._store.reading() as tx:
            obj = tx.get(token_ref(token))
            if obj is None or _expired(obj):
                return None
            return self._principal(tx, obj["userName"])

    def forget_expired(self) -> int:
        """Delete expired tokens' objects; returns how many went."""
        with self._store.transaction() as tx:
            listed = tx.list(OAUTH, "oauthaccesstokens", None).items
            expired = [obj for obj in listed if _expired(obj)]
            for obj in expired:
                tx.delete(Ref(OAUTH, "oauthaccesstokens", "", obj["metadata"]["name"]))
        return len(expired)

    def principal_named(self, name: str) -> Principal | None:
        """The principal of an existing user name (impersonation, reviews)."""
        with self._store.reading() as tx:
            return self._principal(tx, name)

    def _principal(self, tx: Transaction, name: str) -> Principal | None:
        if name == KUBE_ADMIN:
            return self._kube_admin() if kubeadmin.password_hash(tx) is not None else None
        account = Principal(name).service_account
        if account is not None:
            namespace, sa = account
            found = tx.get(Ref("", "serviceaccounts", namespace, sa))
            return (
                None if found is None else service_account(namespace, sa, found["metadata"]["uid"])
            )
        user = tx.get(_user_ref(name))
        if user is None:
            return None
        groups = (*self._groups.of(tx, name), AUTHENTICATED, AUTHENTICATED_OAUTH)
        return Principal(name, groups, user["metadata"]["uid"])

    @staticmethod
    def _kube_admin() -> Principal:
        return Principal(KUBE_ADMIN, (CLUSTER_ADMINS, AUTHENTICATED, AUTHENTICATED_OAUTH))

    def _provision(self, username: str) -> Principal:
        identity = f"{HTPASSWD_PROVIDER}:{username}"
        with self._store.transaction() as tx:
            user = tx.get(_user_ref(username))
            if user is None:
                user = tx.create(
                    _user_ref(username),
                    {
                        "apiVersion": f"{USERS}/v1",
                        "kind": "User",
                        "metadata": {"name": username},
                        "identities": [identity],
                    },
                )
            _ensure_identity(tx, identity, username, user["metadata"]["uid"])
            principal = self._principal(tx, username)
        assert principal is not None
        return principal


class GroupMembers:
    """Which Groups each user is in: every Group read once, read again only when one changes
    (one indexed lookup per question, whatever the number of Groups)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version: int | None = -1
        self._members: dict[str, tuple[str, ...]] = {}

    def of(self, tx: Transaction, user: str) -> tuple[str, ...]:
        """The groups of `user` as of `tx`'s snapshot (in a thread: this may wait on a lock)."""
        version = tx.newest_change(USERS, "groups")
        with self._lock:
            if version != self._version:
                self._members = _members(tx.list(USERS, "groups", None).items)
                self._version = version
            return self._members.get(user, ())


def _members(groups: list[Object]) -> dict[str, tuple[str, ...]]:
    members: dict[str, list[str]] = {}
    for group in groups:
        for user in group.get("users") or ():
            members.setdefault(user, []).append(group["metadata"]["name"])
    return {user: tuple(names) for user, names in members.items()}


def _ensure_identity(tx: Transaction, name: str, user: str, uid: str) -> None:
    ref = Ref(USERS, "identities", "", name)
    if tx.get(ref) is not None:
        return
    provider, _, provider_user = name.partition(":")
    tx.create(
        ref,
        {
            "apiVersion": f"{USERS}/v1",
            "kind": "Identity",
            "metadata": {"name": name},
            "providerName": provider,
            "providerUserName": provider_user,
            "user": {"name": user, "uid": uid},
        },
    )


def expires_at(obj: Object) -> float:
    created = time.strptime(obj["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
    return calendar.timegm(created) + int(obj["expiresIn"])


def _expired(obj: Object) -> bool:
    return time.time() >= expires_at(obj)
