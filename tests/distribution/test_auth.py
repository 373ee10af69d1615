"""The registry port authenticates every request and asks RBAC, as OpenShift's registry does.

Clients follow Docker's token protocol: a 401 challenge names the realm
/openshift/token, which trades Basic credentials (any user name, an API
token as the password) for a short-lived registry token carrying exactly
what RBAC grants. Basic credentials and no credentials at all are also
accepted on every route, decided by RBAC request by request.
"""

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from moorage.auth import tokens
from moorage.auth.registry_tokens import ISSUER, encode
from moorage.auth.token_keys import load
from moorage.store.database import open_engine, sqlite_url
from moorage.store.resources import ResourceStore
from tests.support.images import digest_of, image, push_blob, push_image
from tests.support.oci import assert_oci_error, raw_request
from tests.support.registry_auth import (
    UNAUTHENTICATED,
    Account,
    b64,
    bearer,
    challenge,
    claims,
    grant,
    log_in,
    registry_token,
    user,
)
from tests.support.server import RunningServer
from tests.support.users import serving_users

PASSWORDS = {"alice": "alice-secret-pw", "bob": "bob-secret-pw", "carol": "carol-secret-pw"}
DENIED_MESSAGE = "requested access to the resource is denied"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serving_users(tmp_path_factory.mktemp("auth"), PASSWORDS, workers=2) as running:
        yield running
    assert "unhandled error" not in running.log()


@pytest.fixture(scope="module")
def alice(server: RunningServer) -> Account:
    return log_in(server, "alice", PASSWORDS["alice"])


@pytest.fixture(scope="module")
def bob(server: RunningServer) -> Account:
    return log_in(server, "bob", PASSWORDS["bob"])


@pytest.fixture
def admin(server: RunningServer) -> Iterator[httpx.Client]:
    with server.registry_client() as client:
        yield client


@pytest.fixture
def anonymous(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


@pytest.fixture
def as_user(server: RunningServer) -> Iterator[Callable[[Account], httpx.Client]]:
    """Makes registry clients that send an account's Basic credentials."""
    made: list[httpx.Client] = []

    def make(account: Account) -> httpx.Client:
        made.append(httpx.Client(base_url=server.url, auth=account.basic, timeout=30))
        return made[-1]

    yield make
    for client in made:
        client.close()


@pytest.fixture
def project(server: RunningServer) -> Callable[[], str]:
    """Makes a new project (as kubeadmin) and returns its name."""

    def make() -> str:
        name = f"p{uuid.uuid4().hex[:12]}"
        server.create_projects(name)
        return name

    return make


def pushed(admin: httpx.Client, repository: str, tag: str = "v1") -> str:
    """Push a fresh image as kubeadmin; returns its digest."""
    img = image()
    assert push_image(admin, repository, img, tag).status_code == 201
    return img.digest


def jwt_for(server: RunningServer, account: Account | None, *scopes: str) -> str:
    answer = registry_token(server, *scopes, auth=account.basic if account else None)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def assert_challenged(response: httpx.Response, server: RunningServer, **expected: str) -> None:
    assert_oci_error(response, 401, "UNAUTHORIZED")
    params = challenge(response)
    assert params.pop("realm") == f"http://{server.address}/openshift/token"
    assert params.pop("service") == server.address
    assert params == expected


def assert_denied(response: httpx.Response) -> None:
    assert_oci_error(response, 403, "DENIED")
    assert response.json()["errors"][0]["message"] == DENIED_MESSAGE


# The challenge -------------------------------------------------------------------------------


def test_the_base_endpoint_challenges_anonymous_callers_to_fetch_a_token(
    server: RunningServer, anonymous: httpx.Client
) -> None:
    response = anonymous.get("/v2/")
    assert_challenged(response, server)
    assert response.headers["WWW-Authenticate"] == (
        f'Bearer realm="http://{server.address}/openshift/token",service="{server.address}"'
    )


def test_the_challenge_names_the_scope_the_request_needs(
    server: RunningServer, anonymous: httpx.Client, project: Callable[[], str]
) -> None:
    repo = f"{project()}/app"
    digest = digest_of(b"x")
    for response, scope in [
        (anonymous.get(f"/v2/{repo}/manifests/v1"), f"repository:{repo}:pull"),
        (anonymous.head(f"/v2/{repo}/blobs/{digest}"), f"repository:{repo}:pull"),
        (anonymous.get(f"/v2/{repo}/tags/list"), f"repository:{repo}:pull"),
        (anonymous.get(f"/v2/{repo}/referrers/{digest}"), f"repository:{repo}:pull"),
        (anonymous.post(f"/v2/{repo}/blobs/uploads/"), f"repository:{repo}:pull,push"),
        (anonymous.delete(f"/v2/{repo}/manifests/{digest}"), f"repository:{repo}:delete"),
        (anonymous.delete(f"/v2/{repo}/blobs/{digest}"), f"repository:{repo}:delete"),
        (anonymous.get("/v2/_catalog"), "registry:catalog:*"),
    ]:
        assert response.status_code == 401, response.request.url
        assert challenge(response)["scope"] == scope


def test_the_realm_is_on_the_host_the_client_used(
    server: RunningServer, anonymous: httpx.Client
) -> None:
    host = f"localhost:{server.port}"
    params = challenge(anonymous.get("/v2/", headers={"Host": host}))
    assert params["realm"] == f"http://{host}/openshift/token"
    assert params["service"] == host


def test_any_authentication_opens_the_base_endpoint(
    server: RunningServer, admin: httpx.Client, alice: Account, anonymous: httpx.Client
) -> None:
    assert admin.get("/v2/").status_code == 200
    assert anonymous.get("/v2/", auth=alice.basic).status_code == 200
    assert anonymous.get("/v2/", headers=bearer(jwt_for(server, alice))).status_code == 200
    assert anonymous.get("/v2/", headers=bearer(alice.token)).status_code == 200


# The token endpoint --------------------------------------------------------------------------


def test_a_token_grants_only_what_the_role_allows(
    server: RunningServer, alice: Account, project: Callable[[], str]
) -> None:
    name = project()
    grant(server, name, "system:image-puller", user("alice"))

    answer = registry_token(server, f"repository:{name}/app:pull,push", auth=alice.basic)

    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {"token", "access_token", "expires_in", "issued_at"}
    assert body["token"] == body["access_token"]
    assert body["expires_in"] == 300
    granted = claims(body["token"])
    assert granted["sub"] == "alice"
    assert granted["aud"] == server.address
    assert granted["access"] == [{"type": "repository", "name": f"{name}/app", "actions": ["pull"]}]


def test_several_scopes_are_decided_one_by_one(
    server: RunningServer, alice: Account, project: Callable[[], str]
) -> None:
    mine, theirs = project(), project()
    grant(server, mine, "system:image-builder", user("alice"))

    token = jwt_for(
        server,
        alice,
        f"repository:{mine}/app:pull,push repository:{theirs}/app:pull",
        "registry:catalog:*",
    )

    assert claims(token)["access"] == [
        {"type": "repository", "name": f"{mine}/app", "actions": ["pull", "push"]},
        {"type": "repository", "name": f"{theirs}/app", "actions": []},
        {"type": "registry", "name": "catalog", "actions": []},
    ]


def test_without_credentials_the_token_is_anonymous(
    server: RunningServer, project: Callable[[], str]
) -> None:
    token = jwt_for(server, None, f"repository:{project()}/app:pull")
    assert claims(token)["sub"] == "system:anonymous"
    assert claims(token)["access"][0]["actions"] == []


@pytest.mark.parametrize(
    "secret",
    [
        "sha256~" + "A" * 43,  # well formed, never issued
        "not-a-token",
        "kubeadmin-password-is-not-a-token",
    ],
    ids=["unknown", "malformed", "password"],
)
def test_bad_credentials_are_refused_by_the_token_endpoint(
    server: RunningServer, secret: str
) -> None:
    answer = registry_token(server, "repository:test/app:pull", auth=("someone", secret))
    assert_oci_error(answer, 401, "UNAUTHORIZED")


def test_a_user_name_with_a_colon_is_refused_with_a_reason(
    server: RunningServer, alice: Account
) -> None:
    answer = registry_token(server, "repository:test/app:pull", auth=("my:name", alice.token))
    assert_oci_error(answer, 401, "UNAUTHORIZED")
    assert answer.json()["errors"][0]["message"] == "user names cannot contain colons"


def test_any_other_user_name_is_accepted(server: RunningServer, alice: Account) -> None:
    answer = registry_token(server, auth=("whoever", alice.token))
    assert answer.status_code == 200
    assert claims(answer.json()["token"])["sub"] == "alice"


def test_a_revoked_token_stops_working(server: RunningServer, anonymous: httpx.Client) -> None:
    revoked = log_in(server, "bob", PASSWORDS["bob"])
    assert registry_token(server, auth=revoked.basic).status_code == 200
    with server.api_client() as api:
        path = f"/apis/oauth.openshift.io/v1/oauthaccesstokens/{tokens.object_name(revoked.token)}"
        assert api.delete(path).status_code == 200
    # Workers remember an authenticated API token for two seconds at most.
    time.sleep(2.5)
    assert_oci_error(registry_token(server, auth=revoked.basic), 401, "UNAUTHORIZED")
    assert_challenged(anonymous.get("/v2/", auth=revoked.basic), server)


@pytest.mark.parametrize(
    "name",
    ["proj/../app", "Proj/app", "proj//app", "proj/app/", "127.0.0.1:5000/proj/app"],
)
def test_names_in_scopes_are_checked_before_anything_else(server: RunningServer, name: str) -> None:
    answer = registry_token(server, f"repository:{name}:pull", auth=("x", "wrong"))
    assert_oci_error(answer, 400, "NAME_INVALID")


# Registry tokens on the routes ---------------------------------------------------------------


def test_a_puller_pulls_with_its_token_and_is_denied_a_push(
    server: RunningServer,
    admin: httpx.Client,
    anonymous: httpx.Client,
    alice: Account,
    project: Callable[[], str],
) -> None:
    name = project()
    repo = f"{name}/app"
    digest = pushed(admin, repo)
    grant(server, name, "system:image-puller", user("alice"))
    token = bearer(jwt_for(server, alice, f"repository:{repo}:pull,push"))

    assert anonymous.get(f"/v2/{repo}/manifests/v1", headers=token).status_code == 200
    assert anonymous.get(f"/v2/{repo}/manifests/{digest}", headers=token).status_code == 200
    assert_denied(anonymous.post(f"/v2/{repo}/blobs/uploads/", headers=token))
    assert_denied(anonymous.put(f"/v2/{repo}/manifests/v2", headers=token, content=b"{}"))


def test_an_action_the_token_was_not_asked_for_is_decided_by_rbac(
    server: RunningServer,
    anonymous: httpx.Client,
    alice: Account,
    project: Callable[[], str],
) -> None:
    """As OpenShift's registry decides each request: clients that fetch one token to pull
    and go on to push with it (oras) work where the role allows the push."""
    name = project()
    grant(server, name, "system:image-builder", user("alice"))
    token = bearer(jwt_for(server, alice, f"repository:{name}/app:pull"))

    assert claims(token["Authorization"].split()[1])["access"][0]["actions"] == ["pull"]
    assert anonymous.post(f"/v2/{name}/app/blobs/uploads/", headers=token).status_code == 202
    assert_denied(anonymous.delete(f"/v2/{name}/app/manifests/v1", headers=token))


def test_a_token_is_answered_for_the_repositories_it_names_only(
    server: RunningServer,
    admin: httpx.Client,
    anonymous: httpx.Client,
    alice: Account,
    project: Callable[[], str],
) -> None:
    name = project()
    pushed(admin, f"{name}/one")
    pushed(admin, f"{name}/two")
    grant(server, name, "system:image-puller", user("alice"))
    token = bearer(jwt_for(server, alice, f"repository:{name}/one:pull"))

    response = anonymous.get(f"/v2/{name}/two/manifests/v1", headers=token)

    assert_challenged(
        response, server, scope=f"repository:{name}/two:pull", error="insufficient_scope"
    )


def test_a_scope_granted_nothing_is_answered_403_not_401(
    server: RunningServer,
    admin: httpx.Client,
    anonymous: httpx.Client,
    bob: Account,
    project: Callable[[], str],
) -> None:
    repo = f"{project()}/app"
    pushed(admin, repo)
    token = bearer(jwt_for(server, bob, f"repository:{repo}:pull"))
    assert_denied(anonymous.get(f"/v2/{repo}/manifests/v1", headers=token))


def signing_key(server: RunningServer) -> tuple[str, bytes]:
    engine = open_engine(sqlite_url(server.data_dir / "metadata.db"))
    try:
        keys = load(ResourceStore(engine))
    finally:
        engine.dispose()
    return keys.current, keys.signing_key


def forged_claims(server: RunningServer, repo: str, now: int) -> dict[str, object]:
    return {
        "iss": ISSUER,
        "sub": "kube:admin",
        "aud": server.address,
        "exp": now + 300,
        "nbf": now,
        "iat": now,
        "jti": "forged",
        "access": [{"type": "repository", "name": repo, "actions": ["pull", "push"]}],
    }


def test_forged_expired_and_unsigned_tokens_are_refused(
    server: RunningServer, admin: httpx.Client, anonymous: httpx.Client
) -> None:
    repo = "test/" + uuid.uuid4().hex[:12]
    pushed(admin, repo)
    kid, key = signing_key(server)
    now = int(time.time())
    header_none = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    payload = b64(json.dumps(forged_claims(server, repo, now)).encode())
    valid = encode(forged_claims(server, repo, now), kid, key)
    assert anonymous.get(f"/v2/{repo}/manifests/v1", headers=bearer(valid)).status_code == 200

    for token in [
        encode(forged_claims(server, repo, now), kid, b"not the key" * 3),  # forged
        encode(forged_claims(server, repo, now - 3600), kid, key),  # expired an hour ago
        f"{header_none}.{payload}.",  # alg: none
        valid[:-4] + ("AAAA" if not valid.endswith("AAAA") else "BBBB"),  # tampered signature
        encode({**forged_claims(server, repo, now), "aud": "elsewhere:5000"}, kid, key),
    ]:
        response = anonymous.get(f"/v2/{repo}/manifests/v1", headers=bearer(token))
        assert_challenged(response, server, scope=f"repository:{repo}:pull", error="invalid_token")


# Basic credentials and anonymous access on the routes -----------------------------------------


def test_basic_credentials_are_checked_against_rbac_on_every_request(
    server: RunningServer,
    admin: httpx.Client,
    alice: Account,
    as_user: Callable[[Account], httpx.Client],
    project: Callable[[], str],
) -> None:
    name = project()
    repo = f"{name}/app"
    pushed(admin, repo)
    client = as_user(alice)
    assert_denied(client.get(f"/v2/{repo}/manifests/v1"))

    grant(server, name, "system:image-puller", user("alice"))

    assert client.get(f"/v2/{repo}/manifests/v1").status_code == 200
    assert_denied(client.post(f"/v2/{repo}/blobs/uploads/"))


def test_a_pusher_pushes_to_existing_streams_and_a_builder_makes_new_ones(
    server: RunningServer,
    admin: httpx.Client,
    alice: Account,
    bob: Account,
    as_user: Callable[[Account], httpx.Client],
    project: Callable[[], str],
) -> None:
    name = project()
    pushed(admin, f"{name}/existing")
    grant(server, name, "system:image-pusher", user("alice"))
    grant(server, name, "system:image-builder", user("bob"))
    img = image()

    assert push_image(as_user(alice), f"{name}/existing", img, "v2").status_code == 201
    assert_denied(push_blob(as_user(alice), f"{name}/new", img.config))
    assert push_image(as_user(bob), f"{name}/new", img, "v1").status_code == 201


def test_anonymous_pulls_work_where_a_project_allows_them(
    server: RunningServer,
    admin: httpx.Client,
    anonymous: httpx.Client,
    project: Callable[[], str],
) -> None:
    public, private = project(), project()
    digest = pushed(admin, f"{public}/app")
    pushed(admin, f"{private}/app")
    grant(server, public, "system:image-puller", UNAUTHENTICATED)

    response = anonymous.get(f"/v2/{public}/app/manifests/v1")
    assert response.status_code == 200
    assert response.headers["Docker-Content-Digest"] == digest
    token = bearer(jwt_for(server, None, f"repository:{public}/app:pull,push"))
    assert anonymous.get(f"/v2/{public}/app/manifests/v1", headers=token).status_code == 200
    assert_challenged(
        anonymous.get(f"/v2/{private}/app/manifests/v1"),
        server,
        scope=f"repository:{private}/app:pull",
    )
    assert_challenged(
        anonymous.post(f"/v2/{public}/app/blobs/uploads/"),
        server,
        scope=f"repository:{public}/app:pull,push",
    )


def test_a_puller_granted_in_another_project_pulls_from_it(
    server: RunningServer,
    admin: httpx.Client,
    alice: Account,
    as_user: Callable[[Account], httpx.Client],
    project: Callable[[], str],
) -> None:
    home, shared = project(), project()
    grant(server, home, "admin", user("alice"))
    digest = pushed(admin, f"{shared}/base")
    client = as_user(alice)
    assert_denied(client.get(f"/v2/{shared}/base/manifests/v1"))

    grant(server, shared, "system:image-puller", user("alice"))

    assert client.get(f"/v2/{shared}/base/manifests/{digest}").status_code == 200
    assert_denied(client.post(f"/v2/{shared}/base/blobs/uploads/"))


def test_names_cannot_reach_into_another_project(
    server: RunningServer,
    admin: httpx.Client,
    alice: Account,
    as_user: Callable[[Account], httpx.Client],
    project: Callable[[], str],
) -> None:
    mine, theirs = project(), project()
    grant(server, mine, "admin", user("alice"))
    pushed(admin, f"{theirs}/app")
    client = as_user(alice)

    assert_denied(client.get(f"/v2/{mine}x/app/manifests/v1"))  # a project sharing a prefix
    assert_denied(client.get(f"/v2/{theirs}/{mine}/app/manifests/v1"))
    assert_denied(client.post(f"/v2/{theirs}/app/blobs/uploads/"))
    for path in [
        f"/v2/{mine}/../{theirs}/app/manifests/v1",
        f"/v2/{mine}/%2E%2E/{theirs}/app/manifests/v1",
        f"/v2/{mine}%2F..%2F{theirs}/app/manifests/v1",
    ]:
        answer = raw_request(server.url, "GET", path, alice.authorization)
        assert answer.status == 400, (path, answer.body)
        assert answer.json() == {
            "errors": [
                {
                    "code": "NAME_INVALID",
                    "message": f"invalid repository name '{mine}/../{theirs}/app'",
                }
            ]
        }
    # An encoded slash is a slash: the name is the other project's, and so is the answer.
    encoded = raw_request(
        server.url, "GET", f"/v2/{theirs}%2Fapp/manifests/v1", alice.authorization
    )
    assert encoded.status == 403


def test_deleting_needs_a_cluster_role(
    server: RunningServer,
    admin: httpx.Client,
    alice: Account,
    as_user: Callable[[Account], httpx.Client],
    project: Callable[[], str],
) -> None:
    name = project()
    digest = pushed(admin, f"{name}/app")
    grant(server, name, "admin", user("alice"))

    assert_denied(as_user(alice).delete(f"/v2/{name}/app/manifests/{digest}"))
    assert admin.delete(f"/v2/{name}/app/manifests/{digest}").status_code == 202


def test_cancelling_an_upload_is_a_push(
    server: RunningServer,
    admin: httpx.Client,
    alice: Account,
    as_user: Callable[[Account], httpx.Client],
    project: Callable[[], str],
) -> None:
    name = project()
    pushed(admin, f"{name}/app")
    grant(server, name, "system:image-puller", user("alice"))
    location = admin.post(f"/v2/{name}/app/blobs/uploads/").headers["Location"]

    assert_denied(as_user(alice).delete(location))
    assert admin.delete(location).status_code == 204


# Mounts and the catalog ----------------------------------------------------------------------


def test_a_mount_from_a_source_the_caller_cannot_read_is_an_ordinary_upload(
    server: RunningServer,
    admin: httpx.Client,
    alice: Account,
    as_user: Callable[[Account], httpx.Client],
    project: Callable[[], str],
) -> None:
    mine, theirs, shared = project(), project(), project()
    grant(server, mine, "admin", user("alice"))
    grant(server, shared, "system:image-puller", user("alice"))
    secret, public = image(), image()
    assert push_image(admin, f"{theirs}/app", secret, "v1").status_code == 201
    assert push_image(admin, f"{shared}/app", public, "v1").status_code == 201
    client = as_user(alice)
    hidden, readable = digest_of(secret.config), digest_of(public.config)

    refused = client.post(
        f"/v2/{mine}/app/blobs/uploads/", params={"mount": hidden, "from": f"{theirs}/app"}
    )
    mounted = client.post(
        f"/v2/{mine}/app/blobs/uploads/", params={"mount": readable, "from": f"{shared}/app"}
    )

    assert refused.status_code == 202
    assert "/blobs/uploads/" in refused.headers["Location"]
    assert client.head(f"/v2/{mine}/app/blobs/{hidden}").status_code == 404
    assert mounted.status_code == 201
    assert client.head(f"/v2/{mine}/app/blobs/{readable}").status_code == 200


def test_a_mount_with_a_token_that_does_not_name_the_source_asks_rbac_about_it(
    server: RunningServer,
    admin: httpx.Client,
    anonymous: httpx.Client,
    alice: Account,
    project: Callable[[], str],
) -> None:
    """skopeo pushes some layers with a token fetched for the destination alone."""
    mine, shared, theirs = project(), project(), project()
    grant(server, mine, "admin", user("alice"))
    grant(server, shared, "system:image-puller", user("alice"))
    public, secret = image(), image()
    assert push_image(admin, f"{shared}/app", public, "v1").status_code == 201
    assert push_image(admin, f"{theirs}/app", secret, "v1").status_code == 201
    token = bearer(jwt_for(server, alice, f"repository:{mine}/app:pull,push"))

    def mount(blob: bytes, source: str) -> httpx.Response:
        params = {"mount": digest_of(blob), "from": source}
        return anonymous.post(f"/v2/{mine}/app/blobs/uploads/", params=params, headers=token)

    assert mount(public.config, f"{shared}/app").status_code == 201
    assert mount(secret.config, f"{theirs}/app").status_code == 202


def test_the_catalog_lists_everything_for_cluster_readers_and_the_rest_by_project(
    server: RunningServer,
    admin: httpx.Client,
    anonymous: httpx.Client,
    as_user: Callable[[Account], httpx.Client],
    project: Callable[[], str],
) -> None:
    carol = log_in(server, "carol", PASSWORDS["carol"])  # no other test grants her anything
    mine, shared, theirs = project(), project(), project()
    grant(server, mine, "registry-viewer", user("carol"))
    grant(server, shared, "system:image-puller", user("carol"))
    for repo in (f"{mine}/a", f"{mine}/b", f"{shared}/c", f"{theirs}/d"):
        pushed(admin, repo)

    everything = admin.get("/v2/_catalog").json()["repositories"]
    basic = as_user(carol).get("/v2/_catalog").json()["repositories"]
    token = bearer(jwt_for(server, carol, "registry:catalog:*"))
    with_token = anonymous.get("/v2/_catalog", headers=token).json()["repositories"]
    paged = as_user(carol).get("/v2/_catalog", params={"n": 2})

    assert {f"{mine}/a", f"{mine}/b", f"{shared}/c", f"{theirs}/d"} <= set(everything)
    assert basic == with_token == sorted([f"{mine}/a", f"{mine}/b", f"{shared}/c"])
    assert paged.json()["repositories"] == basic[:2]
    assert 'rel="next"' in paged.headers["Link"]


def test_the_catalog_needs_a_token_that_asked_for_it(
    server: RunningServer, anonymous: httpx.Client, alice: Account
) -> None:
    token = bearer(jwt_for(server, alice, "repository:test/app:pull"))
    assert_challenged(
        anonymous.get("/v2/_catalog", headers=token),
        server,
        scope="registry:catalog:*",
        error="insufficient_scope",
    )


# What the log keeps --------------------------------------------------------------------------


def test_no_token_or_password_reaches_the_server_log(
    server: RunningServer, alice: Account, bob: Account, anonymous: httpx.Client
) -> None:
    issued = jwt_for(server, alice, "repository:test/app:pull")
    anonymous.get("/v2/", headers=bearer(issued))
    anonymous.get("/v2/", auth=("alice", "sha256~" + "B" * 43))
    registry_token(server, auth=("x", "wrong-password-123"))
    log = server.log()
    for secret in [
        alice.token,
        bob.token,
        issued,
        "B" * 43,
        "wrong-password-123",
        *PASSWORDS.values(),
    ]:
        assert secret not in log
    assert server.admin_token not in log
    assert server.kubeadmin_password not in log


# Nobody can lock anybody else out ------------------------------------------------------------


@pytest.fixture
def lone_worker(tmp_path: Path) -> Iterator[RunningServer]:
    """A registry of one worker, which sees every failure the test makes."""
    with serving_users(tmp_path, PASSWORDS, workers=1) as running:
        yield running


GUESSES = [
    ("alice", "sha256~" + "C" * 43),  # token-shaped, unknown
    ("alice", "alice-secret-pw"),  # her password: never a registry credential
    ("alice", "wrong-password-123"),
]


def test_failures_from_one_address_lock_out_no_valid_token(lone_worker: RunningServer) -> None:
    alice = log_in(lone_worker, "alice", PASSWORDS["alice"])
    bob = log_in(lone_worker, "bob", PASSWORDS["bob"])
    for _ in range(12):
        for guess in GUESSES:
            assert_oci_error(registry_token(lone_worker, auth=guess), 401, "UNAUTHORIZED")
            on_a_route = httpx.get(f"{lone_worker.url}/v2/", auth=guess, timeout=30)
            assert_oci_error(on_a_route, 401, "UNAUTHORIZED")

    for valid in (alice.basic, ("someone-else", alice.token), bob.basic):
        assert registry_token(lone_worker, auth=valid).status_code == 200
        on_a_route = httpx.get(f"{lone_worker.url}/v2/", auth=valid, timeout=30)
        assert on_a_route.status_code == 200
    assert registry_token(lone_worker).status_code == 200  # anonymous too


def test_a_password_where_a_token_belongs_is_refused_with_a_reason(
    server: RunningServer,
) -> None:
    answer = registry_token(server, auth=("alice", PASSWORDS["alice"]))
    assert_oci_error(answer, 401, "UNAUTHORIZED")
    assert answer.json()["errors"][0]["message"] == (
        "invalid credentials: the password must be an API token (moorage whoami -t)"
    )


def test_failures_are_logged_with_their_reason_and_source_not_their_secret(
    lone_worker: RunningServer,
) -> None:
    for guess in GUESSES:
        registry_token(lone_worker, auth=guess)
    failures = [line for line in lone_worker.log().splitlines() if "authentication failed" in line]
    assert len(failures) == 3
    assert 'reason="unknown or expired API token" scheme=basic source=127.0.0.1' in failures[0]
    assert 'reason="not an API token" scheme=basic source=127.0.0.1 failures=2' in failures[2]
    assert not any(secret in line for line in failures for _, secret in GUESSES)
