"""The specification's "Accessing the registry" procedures, end to end, with podman and moorage.

Prerequisites (an identity provider, registry-viewer to pull, registry-editor to
push, a project to push to), then: log in with a token, pull an arbitrary
image, tag it into the project, push it, and see who may do what.
"""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.clients import ClientFailed, Sandbox
from tests.support.images import image, write_oci_layout
from tests.support.requirements import require
from tests.support.server import RunningServer, moorage
from tests.support.users import serving_users

require("podman")
pytestmark = pytest.mark.clients

PLAIN_HTTP = "--tls-verify=false"
PASSWORDS = {"developer": "dev-Pw-4821", "viewer": "view-Pw-9034"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server with an htpasswd identity provider (the first prerequisite)."""
    with serving_users(tmp_path_factory.mktemp("accessing"), PASSWORDS, projects=()) as running:
        yield running


def login(cluster: RunningServer, kubeconfig: Path, user: str, password: str) -> str:
    """`moorage login` as `user`; returns `moorage whoami -t`."""
    moorage(kubeconfig, "login", cluster.api_url, "-u", user, "-p", password)
    return moorage(kubeconfig, "whoami", "-t").strip()


@pytest.fixture
def podman(tmp_path: Path) -> Iterator[Sandbox]:
    made = Sandbox(tmp_path / "podman")
    yield made
    made.close()


def arbitrary_image(podman: Sandbox, tmp_path: Path) -> str:
    """`podman pull name.io/image`, from a local layout: no network here."""
    img = image(layers=2, compressed=True)
    layout = write_oci_layout(tmp_path / "name.io", {"latest": img.manifest}, [img])
    podman.podman("pull", "-q", f"oci:{layout}:latest")
    listed = podman.podman("images", "-q", "--no-trunc").split()
    podman.podman("tag", listed[0], "name.io/image")
    return "name.io/image"


def admin_with_projects(cluster: RunningServer, tmp_path: Path, *projects: str) -> Path:
    """kubeadmin's kubeconfig, logged in, after making `projects`."""
    admin = tmp_path / "admin.kubeconfig"
    login(cluster, admin, "kubeadmin", cluster.kubeadmin_password)
    for project in projects:
        moorage(admin, "new-project", project)
    return admin


def publish(cluster: RunningServer, tmp_path: Path, repo: str) -> None:
    """kubeadmin pushes an image to `repo`, for others to try to pull."""
    publisher = Sandbox(tmp_path / "publisher").log_in(cluster.address, *cluster.registry_auth)
    try:
        publisher.podman("tag", arbitrary_image(publisher, tmp_path), f"{cluster.address}/{repo}")
        publisher.podman("push", PLAIN_HTTP, f"{cluster.address}/{repo}")
    finally:
        publisher.close()


def test_a_developer_granted_registry_editor_logs_in_with_a_token_and_pushes(
    cluster: RunningServer, podman: Sandbox, tmp_path: Path
) -> None:
    admin = admin_with_projects(cluster, tmp_path, "team")
    granted = moorage(
        admin, "policy", "add-role-to-user", "registry-editor", "developer", "-n", "team"
    )
    assert 'registry-editor added: "developer"' in granted

    token = login(cluster, tmp_path / "developer.kubeconfig", "developer", PASSWORDS["developer"])
    said = podman.podman("login", "-u", "developer", "-p", token, PLAIN_HTTP, cluster.address)
    assert "Login Succeeded!" in said

    local = arbitrary_image(podman, tmp_path)
    target = f"{cluster.address}/team/image"
    podman.podman("tag", local, target)
    podman.podman("push", PLAIN_HTTP, target)

    streams = moorage(tmp_path / "developer.kubeconfig", "get", "is", "-n", "team", "-o", "name")
    assert streams.split() == ["imagestream.image.openshift.io/image"]


def test_a_viewer_pulls_but_may_not_push(
    cluster: RunningServer, podman: Sandbox, tmp_path: Path
) -> None:
    admin = admin_with_projects(cluster, tmp_path, "gallery")
    moorage(admin, "policy", "add-role-to-user", "registry-viewer", "viewer", "-n", "gallery")
    publish(cluster, tmp_path, "gallery/art")

    token = login(cluster, tmp_path / "viewer.kubeconfig", "viewer", PASSWORDS["viewer"])
    podman.podman("login", "-u", "viewer", "-p", token, PLAIN_HTTP, cluster.address)
    podman.podman("pull", PLAIN_HTTP, f"{cluster.address}/gallery/art")
    podman.podman("tag", f"{cluster.address}/gallery/art", f"{cluster.address}/gallery/forgery")
    with pytest.raises(ClientFailed, match="denied"):
        podman.podman("push", PLAIN_HTTP, f"{cluster.address}/gallery/forgery")


def test_without_a_role_in_the_project_nothing_is_pulled(
    cluster: RunningServer, podman: Sandbox, tmp_path: Path
) -> None:
    admin_with_projects(cluster, tmp_path, "private")
    publish(cluster, tmp_path, "private/app")
    token = login(cluster, tmp_path / "viewer.kubeconfig", "viewer", PASSWORDS["viewer"])
    podman.podman("login", "-u", "viewer", "-p", token, PLAIN_HTTP, cluster.address)
    with pytest.raises(ClientFailed):
        podman.podman("pull", PLAIN_HTTP, f"{cluster.address}/private/app")


def test_any_user_name_works_but_one_with_a_colon_fails(
    cluster: RunningServer, podman: Sandbox, tmp_path: Path
) -> None:
    token = login(cluster, tmp_path / "dev.kubeconfig", "developer", PASSWORDS["developer"])
    said = podman.podman("login", "-u", "anything", "-p", token, PLAIN_HTTP, cluster.address)
    assert "Login Succeeded!" in said
    with pytest.raises(ClientFailed, match="invalid username/password"):
        podman.podman("login", "-u", "any:thing", "-p", token, PLAIN_HTTP, cluster.address)
    # podman shows its own words; the registry's answer says why
    answer = httpx.get(f"{cluster.url}/openshift/token", auth=("any:thing", token))
    assert answer.status_code == 401
    assert "colon" in answer.json()["errors"][0]["message"]


def test_service_account_tokens_are_registry_passwords_across_projects(
    cluster: RunningServer, podman: Sandbox, tmp_path: Path
) -> None:
    """The builder pushes to its project; another project's pods pull once granted
    system:image-puller there ("allowing pods to reference images across projects")."""
    admin = admin_with_projects(cluster, tmp_path, "builds", "consumer")
    builder = moorage(admin, "create", "token", "builder", "-n", "builds").strip()
    deployer = moorage(admin, "create", "token", "default", "-n", "consumer").strip()
    img = image(layers=1)
    layout = write_oci_layout(tmp_path / "layout", {"v1": img.manifest}, [img])
    remote = f"docker://{cluster.address}/builds/app:v1"

    podman.skopeo(
        "copy",
        "--dest-tls-verify=false",
        f"--dest-creds=builder:{builder}",
        f"oci:{layout}:v1",
        remote,
    )
    with pytest.raises(ClientFailed):
        podman.skopeo("inspect", "--tls-verify=false", f"--creds=default:{deployer}", remote)

    moorage(
        admin,
        "policy",
        "add-role-to-user",
        "system:image-puller",
        "system:serviceaccount:consumer:default",
        "-n",
        "builds",
    )
    inspected = podman.skopeo(
        "inspect", "--tls-verify=false", f"--creds=default:{deployer}", remote
    )
    assert '"Name": "' + f"{cluster.address}/builds/app" in inspected
    with pytest.raises(ClientFailed, match="denied"):
        podman.skopeo(
            "copy",
            "--dest-tls-verify=false",
            f"--dest-creds=default:{deployer}",
            f"oci:{layout}:v1",
            f"docker://{cluster.address}/builds/app:forged",
        )
