"""Every API request is authenticated and authorized: logins, tokens, roles, reviews.

One server per module, with an htpasswd identity provider for alice and bob.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from moorage.auth.tokens import object_name
from tests.support.server import RunningServer
from tests.support.users import serving_users

PROJECTS = "/apis/project.openshift.io/v1"
RBAC = "/apis/rbac.authorization.k8s.io/v1"
IMAGES = "/apis/image.openshift.io/v1"
PASSWORDS = {"alice": "wonderland-7Qx2", "bob": "builder-9Kd4", "eve": "guessing-3Zt8"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serving_users(tmp_path_factory.mktemp("access"), PASSWORDS, projects=()) as running:
        yield running


def client(server: RunningServer, user: str | None = None) -> httpx.Client:
    if user is None:
        return httpx.Client(base_url=server.api_url, timeout=30)
    return server.api_client(server.login(user, PASSWORDS[user]))


def new_project(api: httpx.Client, name: str) -> None:
    created = api.post(f"{PROJECTS}/projectrequests", json={"metadata": {"name": name}})
    assert created.status_code == 201, created.text


def authorize(
    server: RunningServer,
    password: str | None = None,
    user: str = "alice",
    source: str = "127.0.0.1",
    **extra: str,
) -> httpx.Response:
    """GET /oauth/authorize as `oc login` does, from the loopback address `source`; `extra`
    overrides the query."""
    params = {"client_id": "openshift-challenging-client", "response_type": "token", **extra}
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=10) as client:
        return client.get(
            f"{server.api_url}/oauth/authorize",
            params=params,
            headers={"X-CSRF-Token": "1"},
            auth=(user, password) if password is not None else None,
        )


def test_anyone_may_read_discovery_and_nothing_else(server: RunningServer) -> None:
    with client(server) as anonymous:
        assert anonymous.get("/version").status_code == 200
        assert anonymous.get("/apis").status_code == 200
        denied = anonymous.get("/api/v1/namespaces")
    assert denied.status_code == 403
    status = denied.json()
    assert status["kind"] == "Status" and status["reason"] == "Forbidden"
    assert status["message"] == (
        'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" '
        'in API group "" at the cluster scope'
    )


@pytest.mark.parametrize(
    "header", ["Bearer sha256~" + "A" * 43, "Bearer nonsense", "Basic YWxpY2U6eA=="]
)
def test_credentials_that_name_nobody_are_401(server: RunningServer, header: str) -> None:
    answer = httpx.get(f"{server.api_url}/version", headers={"Authorization": header}, timeout=10)
    assert answer.status_code == 401
    assert answer.json()["reason"] == "Unauthorized"


def test_a_login_answers_with_a_token_in_the_redirect(server: RunningServer) -> None:
    answer = authorize(server, PASSWORDS["alice"])
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(f"{server.api_url}/oauth/token/implicit#access_token=sha256~")
    assert "expires_in=86400" in location and "token_type=Bearer" in location


def test_a_failed_login_is_a_401_challenge_that_does_not_say_which_part_was_wrong(
    server: RunningServer,
) -> None:
    answer = authorize(server, "not-her-password")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="openshift"'
    assert answer.json()["message"] == "Login failed: invalid user name or password"


def test_a_login_needs_the_csrf_header_and_the_challenging_client(
    server: RunningServer,
) -> None:
    no_csrf = httpx.get(
        f"{server.api_url}/oauth/authorize",
        params={"client_id": "openshift-challenging-client", "response_type": "token"},
        auth=("alice", PASSWORDS["alice"]),
    )
    assert no_csrf.status_code == 400
    assert authorize(server, PASSWORDS["alice"], client_id="browser").status_code == 400


def test_a_flood_of_wrong_passwords_slows_only_its_user_from_its_source(
    server: RunningServer,
) -> None:
    guesses = [authorize(server, f"guess-{n}", "eve").status_code for n in range(10)]
    assert guesses == [401] * 10

    limited = authorize(server, PASSWORDS["eve"], "eve")  # unchecked, right or wrong
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 300
    assert limited.json()["reason"] == "TooManyRequests"
    assert authorize(server, PASSWORDS["eve"], "eve", source="127.0.0.2").status_code == 302
    assert authorize(server, PASSWORDS["bob"], "bob").status_code == 302


def test_parallel_wrong_passwords_are_checked_no_more_often_than_the_limit_allows(
    tmp_path: Path,
) -> None:
    # Costly hashes, as real ones are: checks take long enough for the guesses to overlap.
    with serving_users(tmp_path, {"eve": PASSWORDS["eve"]}, rounds=11, projects=()) as slow:

        def guess(n: int) -> int:
            return authorize(slow, f"parallel-guess-{n}", "eve").status_code

        with ThreadPoolExecutor(max_workers=40) as pool:
            answers = sorted(pool.map(guess, range(40)))
        assert answers == [401] * 10 + [429] * 30
        assert authorize(slow, PASSWORDS["eve"], "eve").status_code == 429
        assert authorize(slow, PASSWORDS["eve"], "eve", source="127.0.0.2").status_code == 302


def test_whoami_names_the_caller(server: RunningServer) -> None:
    with client(server, "alice") as alice:
        me = alice.get("/apis/user.openshift.io/v1/users/~").json()
    assert me["metadata"]["name"] == "alice"
    assert "system:authenticated" in me["groups"]
    with server.api_client() as admin:
        assert admin.get("/apis/user.openshift.io/v1/users/~").json()["metadata"]["name"] == (
            "kube:admin"
        )


def test_a_requested_project_is_its_requester_s_and_hidden_from_others(
    server: RunningServer,
) -> None:
    with client(server, "alice") as alice, client(server, "bob") as bob:
        new_project(alice, "alice-own")
        names = [p["metadata"]["name"] for p in alice.get(f"{PROJECTS}/projects").json()["items"]]
        assert names == ["alice-own"]
        assert bob.get(f"{PROJECTS}/projects").json()["items"] == []
        assert bob.get(f"{PROJECTS}/projects/alice-own").status_code == 403
        assert bob.get(f"{IMAGES}/namespaces/alice-own/imagestreams").status_code == 403
        assert alice.get(f"{IMAGES}/namespaces/alice-own/imagestreams").status_code == 200
        bindings = alice.get(f"{RBAC}/namespaces/alice-own/rolebindings").json()["items"]
    assert sorted(b["metadata"]["name"] for b in bindings) == [
        "admin",
        "system:deployers",
        "system:image-builders",
        "system:image-pullers",
    ]
    admin = next(b for b in bindings if b["metadata"]["name"] == "admin")
    assert admin["subjects"] == [
        {"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}
    ]


def test_a_role_granted_in_a_project_opens_exactly_what_it_grants(
    server: RunningServer,
) -> None:
    with client(server, "alice") as alice, client(server, "bob") as bob:
        new_project(alice, "shared-view")
        binding = {
            "metadata": {"name": "bob-views"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "registry-viewer",
            },
            "subjects": [{"kind": "User", "name": "bob"}],
        }
        made = alice.post(f"{RBAC}/namespaces/shared-view/rolebindings", json=binding)
        assert made.status_code == 201, made.text
        assert bob.get(f"{IMAGES}/namespaces/shared-view/imagestreams").status_code == 200
        stream = {"metadata": {"name": "app"}}
        refused = bob.post(f"{IMAGES}/namespaces/shared-view/imagestreams", json=stream)
        assert refused.status_code == 403
        assert 'User "bob" cannot create resource "imagestreams"' in refused.json()["message"]
        names = [p["metadata"]["name"] for p in bob.get(f"{PROJECTS}/projects").json()["items"]]
        assert names == ["shared-view"]


def test_only_those_allowed_may_impersonate(server: RunningServer) -> None:
    with server.api_client() as admin, client(server, "bob") as bob:
        as_alice = admin.get(
            "/apis/user.openshift.io/v1/users/~", headers={"Impersonate-User": "alice"}
        )
        assert as_alice.json()["metadata"]["name"] == "alice"
        refused = bob.get("/api/v1/namespaces", headers={"Impersonate-User": "kube:admin"})
    assert refused.status_code == 403
    assert "cannot impersonate" in refused.json()["message"]


def test_access_reviews_answer_may_i_and_who_may(server: RunningServer) -> None:
    review = {
        "spec": {
            "resourceAttributes": {
                "namespace": "puller-review",
                "verb": "get",
                "group": "image.openshift.io",
                "resource": "imagestreams",
                "subresource": "layers",
            }
        }
    }
    with client(server, "alice") as alice, client(server, "bob") as bob:
        new_project(alice, "puller-review")
        path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
        assert alice.post(path, json=review).json()["status"]["allowed"] is True
        assert bob.post(path, json=review).json()["status"]["allowed"] is False
        who = alice.post(
            "/apis/authorization.openshift.io/v1/namespaces/puller-review/localresourceaccessreviews",
            json={
                "verb": "update",
                "resourceAPIGroup": "image.openshift.io",
                "resource": "imagestreams/layers",
            },
        ).json()
    assert who["kind"] == "ResourceAccessReviewResponse"
    assert {"alice", "system:serviceaccount:puller-review:builder"} <= set(who["users"])
    assert "bob" not in who["users"]
    assert "system:cluster-admins" in who["groups"]


def test_a_service_account_token_acts_as_the_account(server: RunningServer) -> None:
    with client(server, "alice") as alice:
        new_project(alice, "robots")
        accounts = alice.get("/api/v1/namespaces/robots/serviceaccounts").json()["items"]
        assert sorted(a["metadata"]["name"] for a in accounts) == ["builder", "default", "deployer"]
        made = alice.post(
            "/api/v1/namespaces/robots/serviceaccounts/builder/token",
            json={"spec": {"expirationSeconds": 600}},
        )
        assert made.status_code == 201
        token = made.json()["status"]["token"]
        too_long = alice.post(
            "/api/v1/namespaces/robots/serviceaccounts/builder/token",
            json={"spec": {"expirationSeconds": 10**9}},
        )
        assert too_long.status_code == 400
    with server.api_client(token) as robot:
        me = robot.get("/apis/user.openshift.io/v1/users/~").json()
        assert me["metadata"]["name"] == "system:serviceaccount:robots:builder"
        request = robot.post(f"{PROJECTS}/projectrequests", json={"metadata": {"name": "bots"}})
        assert request.status_code == 403  # only people (OAuth logins) may ask for projects


def test_a_token_may_revoke_itself_and_then_names_nobody(server: RunningServer) -> None:
    token = server.login("bob", PASSWORDS["bob"])
    with server.api_client(token) as bob:
        path = f"/apis/oauth.openshift.io/v1/oauthaccesstokens/{object_name(token)}"
        assert bob.delete(path).status_code == 200
        assert bob.get("/apis/user.openshift.io/v1/users/~").status_code == 401


def test_no_password_or_token_reaches_the_log(server: RunningServer) -> None:
    token = server.login("alice", PASSWORDS["alice"])
    with server.api_client(token) as alice:
        alice.get("/apis/user.openshift.io/v1/users/~")
    log = server.log()
    assert "/apis/user.openshift.io/v1/users/~" in log  # the request was logged, and looked at
    for secret in (token, token.removeprefix("sha256~"), *PASSWORDS.values(), server.admin_token):
        assert secret not in log
    assert server.kubeadmin_password not in log
