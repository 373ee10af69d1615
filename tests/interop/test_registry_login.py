"""Real clients log in to the registry with an API token as the password, as with OpenShift.

podman, skopeo and buildah follow the 401 challenge to /openshift/token with
the credentials they were given and push or pull with the registry token it
returns; oras does the same through its SDK. What RBAC refuses, they report.
"""

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.support.clients import ClientFailed, Sandbox
from tests.support.images import digest_of, image, write_oci_layout
from tests.support.registry_auth import Account, grant, log_in, user
from tests.support.requirements import require
from tests.support.server import RunningServer
from tests.support.users import serving_users

pytestmark = pytest.mark.clients

PASSWORDS = {"builder": "builder-secret-pw", "reader": "reader-secret-pw"}
PLAIN_HTTP = "--tls-verify=false"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serving_users(tmp_path_factory.mktemp("login"), PASSWORDS, workers=2) as running:
        yield running
    log = running.log()
    for secret in PASSWORDS.values():
        assert secret not in log


@pytest.fixture(scope="module")
def accounts(server: RunningServer) -> dict[str, Account]:
    return {name: log_in(server, name, password) for name, password in PASSWORDS.items()}


@pytest.fixture
def project(server: RunningServer, accounts: dict[str, Account]) -> str:
    """A new project where `builder` may push new streams and `reader` may only pull."""
    name = f"p{uuid.uuid4().hex[:12]}"
    server.create_projects(name)
    grant(server, name, "system:image-builder", user("builder"))
    grant(server, name, "system:image-puller", user("reader"))
    return name


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Callable[[str], Sandbox]]:
    """Makes client sandboxes without any credentials."""
    made: list[Sandbox] = []

    def make(name: str) -> Sandbox:
        made.append(Sandbox(tmp_path / name))
        return made[-1]

    yield make
    for box in made:
        box.close()


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, str]:
    """An OCI layout with one image tagged v1; returns it and the image's config digest."""
    img = image(layers=2, compressed=True)
    return write_oci_layout(tmp_path / "layout", {"v1": img.manifest}, [img]), digest_of(img.config)


def podman_login(box: Sandbox, server: RunningServer, username: str, secret: str) -> str:
    return box.podman("login", PLAIN_HTTP, "-u", username, "-p", secret, server.address)


def test_podman_logs_in_with_a_token_pushes_and_pulls(
    server: RunningServer,
    accounts: dict[str, Account],
    project: str,
    sandbox: Callable[[str], Sandbox],
    layout: tuple[Path, str],
) -> None:
    require("podman")
    path, config = layout
    pusher, puller = sandbox("pusher"), sandbox("puller")
    remote = f"{server.address}/{project}/app:v1"

    assert "Login Succeeded" in podman_login(pusher, server, "any-name", accounts["builder"].token)
    pusher.podman("pull", "-q", f"oci:{path}:v1")
    pusher.podman("tag", config.removeprefix("sha256:"), remote)
    pusher.podman("push", PLAIN_HTTP, remote)

    podman_login(puller, server, "reader", accounts["reader"].token)
    puller.podman("pull", "-q", PLAIN_HTTP, remote)
    pulled = json.loads(puller.podman("image", "inspect", remote))[0]
    assert f"sha256:{pulled['Id']}" == config

    with pytest.raises(ClientFailed, match="denied"):
        puller.podman("push", PLAIN_HTTP, remote, f"{server.address}/{project}/app:v2")


def test_podman_login_with_a_wrong_token_fails(
    server: RunningServer, sandbox: Callable[[str], Sandbox]
) -> None:
    require("podman")
    with pytest.raises(ClientFailed, match=r"(?i)unauthorized|invalid username/password"):
        podman_login(sandbox("wrong"), server, "someone", "sha256~" + "Z" * 43)


def test_podman_without_credentials_is_denied_a_private_image(
    server: RunningServer,
    accounts: dict[str, Account],
    project: str,
    sandbox: Callable[[str], Sandbox],
    layout: tuple[Path, str],
) -> None:
    require("skopeo")
    require("podman")
    path, _ = layout
    creds = f"builder:{accounts['builder'].token}"
    remote = f"{server.address}/{project}/app:v1"
    sandbox("seed").skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        creds,
        f"oci:{path}:v1",
        f"docker://{remote}",
    )
    with pytest.raises(ClientFailed, match=r"(?i)denied|unauthorized"):
        sandbox("stranger").podman("pull", "-q", PLAIN_HTTP, remote)


def test_skopeo_copies_with_creds_and_with_an_auth_file(
    server: RunningServer,
    accounts: dict[str, Account],
    project: str,
    sandbox: Callable[[str], Sandbox],
    layout: tuple[Path, str],
    tmp_path: Path,
) -> None:
    require("skopeo")
    path, _ = layout
    box = sandbox("skopeo")
    remote = f"docker://{server.address}/{project}/app:v1"
    builder, reader = accounts["builder"], accounts["reader"]
    box.skopeo(
        "copy",
        "--dest-tls-verify=false",
        "--dest-creds",
        f"x:{builder.token}",
        f"oci:{path}:v1",
        remote,
    )
    auth_file = tmp_path / "reader-auth.json"
    encoded = base64.b64encode(f"reader:{reader.token}".encode()).decode()
    auth_file.write_text(json.dumps({"auths": {server.address: {"auth": encoded}}}))

    inspected = json.loads(box.skopeo("inspect", PLAIN_HTTP, "--authfile", auth_file, remote))

    assert inspected["RepoTags"] == ["v1"]
    with pytest.raises(ClientFailed, match="denied"):
        box.skopeo(
            "copy",
            "--dest-tls-verify=false",
            "--dest-authfile",
            auth_file,
            f"oci:{path}:v1",
            f"docker://{server.address}/{project}/app:v2",
        )


def test_buildah_pushes_with_credentials(
    server: RunningServer,
    accounts: dict[str, Account],
    project: str,
    sandbox: Callable[[str], Sandbox],
    layout: tuple[Path, str],
) -> None:
    require("buildah")
    path, config = layout
    box = sandbox("buildah")
    remote = f"{server.address}/{project}/built:v1"
    box.buildah("pull", "-q", f"oci:{path}:v1")

    box.buildah(
        "push",
        PLAIN_HTTP,
        "--creds",
        f"builder:{accounts['builder'].token}",
        config.removeprefix("sha256:"),
        f"docker://{remote}",
    )

    inspected = box.skopeo(
        "inspect", PLAIN_HTTP, "--creds", f"reader:{accounts['reader'].token}", f"docker://{remote}"
    )
    assert json.loads(inspected)["Name"] == f"{server.address}/{project}/built"


def test_oras_pushes_and_pulls_with_credentials(
    server: RunningServer,
    accounts: dict[str, Account],
    project: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require("oras")
    import oras.client as oras_client

    monkeypatch.chdir(tmp_path)  # oras pushes only files below the working directory
    # oras retries a refused request five times, sleeping 3**n seconds between: not here.
    monkeypatch.setattr("oras.decorator.time", SimpleNamespace(sleep=lambda _seconds: None))
    (tmp_path / "notes.txt").write_text("signed, sealed, delivered\n")
    target = f"{server.address}/{project}/notes:v1"

    pusher = oras_client.OrasClient(hostname=server.address, insecure=True)
    pusher.auth.set_basic_auth("builder", accounts["builder"].token)
    assert pusher.push(target=target, files=["notes.txt"]).status_code == 201

    reader = oras_client.OrasClient(hostname=server.address, insecure=True)
    reader.auth.set_basic_auth("reader", accounts["reader"].token)
    pulled = reader.pull(target=target, outdir=str(tmp_path / "out"))
    assert [Path(p).read_text() for p in pulled] == ["signed, sealed, delivered\n"]

    # oras's words for a 403 (which carries no challenge to answer): the push is refused.
    with pytest.raises(ValueError, match="Cannot respond to request for authentication"):
        reader.push(target=f"{server.address}/{project}/notes:v2", files=["notes.txt"])
