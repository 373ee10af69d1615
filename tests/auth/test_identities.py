"""Authentication against a real store: logins, users made on first login, tokens and their end."""

import os
import stat
import time
from pathlib import Path

import bcrypt
import pytest
from sqlalchemy import Engine, event

from moorage.auth import kubeadmin
from moorage.auth.identities import Identities, LoginRefused, token_ref
from moorage.auth.passwords import HtpasswdFile
from moorage.auth.principal import AUTHENTICATED, CLUSTER_ADMINS, KUBE_ADMIN, service_account
from moorage.resources.user import USERS
from moorage.store.resources import Ref, ResourceStore


def entry(user: str, password: str) -> str:
    return f"{user}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()}\n"


@pytest.fixture
def htpasswd(tmp_path: Path) -> Path:
    path = tmp_path / "users.htpasswd"
    path.write_text(entry("alice", "wonderland") + entry("bob", "builder"))
    return path


@pytest.fixture
def identities(store: ResourceStore, htpasswd: Path) -> Identities:
    return Identities(store, HtpasswdFile(htpasswd))


def test_a_first_login_makes_the_user_and_its_identity(
    identities: Identities, store: ResourceStore
) -> None:
    principal = identities.login("alice", "wonderland")
    assert principal.name == "alice" and AUTHENTICATED in principal.groups
    with store.reading() as tx:
        user = tx.require(Ref(USERS, "users", "", "alice"))
        identity = tx.require(Ref(USERS, "identities", "", "htpasswd:alice"))
    assert user["identities"] == ["htpasswd:alice"]
    assert identity["user"] == {"name": "alice", "uid": user["metadata"]["uid"]}
    assert identities.login("alice", "wonderland").uid == user["metadata"]["uid"]


@pytest.mark.parametrize(
    ("user", "password"), [("alice", "wrong"), ("nobody", "wonderland"), ("alice", "")]
)
def test_a_wrong_password_and_an_unknown_user_are_refused_alike(
    identities: Identities, user: str, password: str
) -> None:
    with pytest.raises(LoginRefused, match=r"^invalid user name or password$"):
        identities.login(user, password)


def test_a_user_name_with_a_colon_is_refused_before_any_check(identities: Identities) -> None:
    with pytest.raises(LoginRefused, match="colon"):
        identities.login("alice:x", "wonderland")


def test_the_htpasswd_file_is_read_again_when_it_changes(
    identities: Identities, htpasswd: Path
) -> None:
    with pytest.raises(LoginRefused):
        identities.login("carol", "singer")
    htpasswd.write_text(htpasswd.read_text() + entry("carol", "singer"))
    assert identities.login("carol", "singer").name == "carol"


def test_entries_that_are_not_bcrypt_are_ignored(store: ResourceStore, tmp_path: Path) -> None:
    path = tmp_path / "plain.htpasswd"
    path.write_text("dave:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\nerin:plaintext\n")
    identities = Identities(store, HtpasswdFile(path))
    for user, password in (("dave", "password"), ("erin", "plaintext")):
        with pytest.raises(LoginRefused):
            identities.login(user, password)


def test_groups_the_user_is_in_come_with_its_principal(
    identities: Identities, store: ResourceStore
) -> None:
    identities.login("alice", "wonderland")
    with store.transaction() as tx:
        group = {"apiVersion": f"{USERS}/v1", "kind": "Group", "metadata": {"name": "devs"}}
        tx.create(Ref(USERS, "groups", "", "devs"), {**group, "users": ["alice"]})
    assert "devs" in identities.login("alice", "wonderland").groups
    assert "devs" not in identities.login("bob", "builder").groups


def test_groups_are_listed_again_only_when_a_group_changed(
    identities: Identities, store: ResourceStore, engine: Engine
) -> None:
    listings = []

    def count(_conn, _cursor, statement, parameters, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if "groups" in (parameters or ()) and "ORDER BY" in statement:
            listings.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    group = {"apiVersion": f"{USERS}/v1", "kind": "Group", "metadata": {"name": "devs"}}
    with store.transaction() as tx:
        tx.create(Ref(USERS, "groups", "", "devs"), {**group, "users": ["alice"]})
    for _ in range(5):
        assert "devs" in identities.login("alice", "wonderland").groups
    assert len(listings) == 1
    with store.transaction() as tx:
        tx.update(Ref(USERS, "groups", "", "devs"), {**group, "users": ["bob"]})
    assert "devs" not in identities.login("alice", "wonderland").groups
    assert "devs" in identities.login("bob", "builder").groups
    assert len(listings) == 2


def test_a_token_is_stored_only_as_its_hash(
    identities: Identities, store: ResourceStore, tmp_path: Path
) -> None:
    token, stored = identities.issue(identities.login("alice", "wonderland"), "test", 3600)
    assert stored["metadata"]["name"] != token and token not in str(stored)
    secret = token.removeprefix("sha256~").encode()
    for path in tmp_path.glob("metadata.db*"):
        assert secret not in path.read_bytes()
    assert identities.authenticate(token) == identities.login("alice", "wonderland")


def test_an_expired_token_names_nobody(identities: Identities) -> None:
    token, _ = identities.issue(identities.login("alice", "wonderland"), "test", 1)
    time.sleep(1.1)
    assert identities.authenticate(token) is None
    assert identities.forget_expired() == 1


def test_a_revoked_token_names_nobody(identities: Identities, store: ResourceStore) -> None:
    token, _ = identities.issue(identities.login("alice", "wonderland"), "test", 3600)
    with store.transaction() as tx:  # what logout's DELETE of its OAuthAccessToken does
        tx.delete(token_ref(token))
    assert identities.authenticate(token) is None


@pytest.mark.parametrize("token", ["", "sha256~short", "Bearer x", "sha256~" + "é" * 43])
def test_a_malformed_token_names_nobody(identities: Identities, token: str) -> None:
    assert identities.authenticate(token) is None


def test_a_deleted_user_s_tokens_stop_working(identities: Identities, store: ResourceStore) -> None:
    token, _ = identities.issue(identities.login("alice", "wonderland"), "test", 3600)
    with store.transaction() as tx:
        tx.delete(Ref(USERS, "users", "", "alice"))
    assert identities.authenticate(token) is None


def test_a_service_account_token_lasts_as_long_as_its_account(
    identities: Identities, store: ResourceStore
) -> None:
    ref = Ref("", "serviceaccounts", "proj", "builder")
    with store.transaction() as tx:
        sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "builder"}}
        tx.create(ref, sa)
    token, _ = identities.issue(service_account("proj", "builder"), "test", 3600)
    found = identities.authenticate(token)
    assert found is not None and found.name == "system:serviceaccount:proj:builder"
    assert "system:serviceaccounts:proj" in found.groups
    with store.transaction() as tx:
        tx.delete(ref)
    assert identities.authenticate(token) is None


def test_kubeadmin_is_made_once_with_a_private_password_file(
    store: ResourceStore, tmp_path: Path
) -> None:
    password = kubeadmin.bootstrap(store, tmp_path)
    assert password is not None
    path = tmp_path / kubeadmin.PASSWORD_FILE
    assert path.read_text() == password
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert kubeadmin.bootstrap(store, tmp_path) is None
    with store.reading() as tx:
        hashed = kubeadmin.password_hash(tx)
    assert hashed is not None and hashed.startswith("$2b$") and password not in hashed
    principal = Identities(store).login("kubeadmin", password)
    assert principal.name == KUBE_ADMIN and CLUSTER_ADMINS in principal.groups


def test_deleting_the_kubeadmin_secret_removes_the_user_for_good(
    store: ResourceStore, tmp_path: Path
) -> None:
    password = kubeadmin.bootstrap(store, tmp_path)
    assert password is not None
    identities = Identities(store)
    token, _ = identities.issue(identities.login("kubeadmin", password), "test", 3600)
    with store.transaction() as tx:
        tx.delete(kubeadmin.SECRET)
    assert identities.authenticate(token) is None
    with pytest.raises(LoginRefused):
        identities.login("kubeadmin", password)
    assert kubeadmin.bootstrap(store, tmp_path) is None


def test_a_start_that_crashed_after_making_the_secret_still_hands_out_the_password(
    store: ResourceStore, tmp_path: Path
) -> None:
    password = kubeadmin.bootstrap(store, tmp_path)
    assert password is not None
    path = tmp_path / kubeadmin.PASSWORD_FILE
    path.rename(path.with_suffix(".tmp"))  # as if the final rename never happened
    assert kubeadmin.bootstrap(store, tmp_path) == password
    assert path.read_text() == password
