"""A user cannot tag their way into another project's images: moorage and skopeo, as bob.

bob administers his own project only. `moorage tag` and `moorage apply -f` of
a stream whose spec.tags take an image from secretproj are refused, and skopeo
cannot pull anything through bob's project, until secretproj grants him
system:image-puller.
"""

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.clients import ClientFailed, Sandbox
from tests.support.images import image, push_image
from tests.support.requirements import require
from tests.support.server import MOORAGE, RunningServer
from tests.support.users import serving_users

require("skopeo")
pytestmark = pytest.mark.clients

PASSWORDS = {"bob": "bob-Pw-5120"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with serving_users(tmp_path_factory.mktemp("across"), PASSWORDS, projects=()) as running:
        yield running


def moorage(kubeconfig: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*MOORAGE, *args],
        capture_output=True,
        text=True,
        input=stdin,
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        timeout=60,
    )


def ok(kubeconfig: Path, *args: str, stdin: str | None = None) -> str:
    done = moorage(kubeconfig, *args, stdin=stdin)
    assert done.returncode == 0, f"moorage {' '.join(args)}: {done.stderr}"
    return done.stdout


def refused(kubeconfig: Path, *args: str, stdin: str | None = None) -> str:
    """The one `error: ...` line a refused command prints."""
    done = moorage(kubeconfig, *args, stdin=stdin)
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


@pytest.fixture
def skopeo(tmp_path: Path) -> Iterator[Sandbox]:
    made = Sandbox(tmp_path / "skopeo")
    yield made
    made.close()


def test_bob_cannot_tag_or_apply_another_projects_image_until_granted(
    cluster: RunningServer, skopeo: Sandbox, tmp_path: Path
) -> None:
    secret, own = f"secretproj-{uuid.uuid4().hex[:6]}", f"bobproj-{uuid.uuid4().hex[:6]}"
    admin, bob = tmp_path / "admin.kubeconfig", tmp_path / "bob.kubeconfig"
    ok(admin, "login", cluster.api_url, "-u", "kubeadmin", "-p", cluster.kubeadmin_password)
    ok(admin, "new-project", secret)
    img = image(compressed=True)
    with cluster.registry_client() as registry:
        assert push_image(registry, f"{secret}/app", img, "v1").status_code == 201
    ok(bob, "login", cluster.api_url, "-u", "bob", "-p", PASSWORDS["bob"])
    ok(bob, "new-project", own)
    token = ok(bob, "whoami", "-t").strip()
    skopeo.log_in(cluster.address, "bob", token)
    stolen = f"docker://{cluster.address}/{own}/stolen:v1"

    said = refused(bob, "tag", f"{secret}/app:v1", f"{own}/stolen:v1")
    assert f"{secret}/app" in said and "forbidden" in said
    stream = (
        "apiVersion: image.openshift.io/v1\nkind: ImageStream\n"
        f"metadata:\n  name: stolen\n  namespace: {own}\n"
        "spec:\n  tags:\n  - name: v1\n    from:\n      kind: ImageStreamTag\n"
        f"      name: app:v1\n      namespace: {secret}\n"
    )
    assert f"{secret}/app" in refused(bob, "apply", "-f", "-", stdin=stream)
    with pytest.raises(ClientFailed):
        skopeo.skopeo("inspect", "--tls-verify=false", stolen)

    ok(admin, "policy", "add-role-to-user", "system:image-puller", "bob", "-n", secret)
    said = ok(bob, "tag", f"{secret}/app:v1", f"{own}/stolen:v1")
    assert said.strip() == f"Tag stolen:v1 set to {secret}/app:v1."
    copied = tmp_path / "copied"
    skopeo.skopeo("copy", "--src-tls-verify=false", stolen, f"oci:{copied}:v1")
    index = (copied / "index.json").read_text()
    assert img.digest in index
