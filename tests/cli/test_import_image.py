"""`moorage import-image`, `create secret docker-registry` and `describe is`, as with oc,
against Debian's docker-registry as the other registry."""

from collections.abc import Callable
from pathlib import Path

import httpx

from tests.cli.conftest import Cli
from tests.support.images import image
from tests.support.oci import put_manifest
from tests.support.third_party import ThirdParty, third_party


def _post_import(user: Cli, namespace: str, source: str) -> httpx.Response:
    """An ImageStreamImport sent straight to the API: needs create on imagestreamimports."""
    assert user.server is not None
    body = {
        "kind": "ImageStreamImport",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {"name": "app"},
        "spec": {"import": True, "images": [{"from": {"kind": "DockerImage", "name": source}}]},
    }
    path = f"/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreamimports"
    headers = {"Authorization": f"Bearer {user.token}"}
    response = httpx.post(f"{user.server.api_url}{path}", json=body, headers=headers)
    if response.status_code == 403:
        assert 'cannot create resource "imagestreamimports"' in response.json()["message"]
    return response


def _new_project(user: Cli, name: str) -> str:
    user("new-project", name)
    return name


def test_import_image_creates_the_stream_and_prints_it_as_describe_does(
    cli: Cli, project: str, upstream: ThirdParty
) -> None:
    img = image()
    upstream.push("team/app", img, "v1")
    source = f"{upstream.address}/team/app:v1"
    out = cli("import-image", "app", f"--from={source}", "--confirm", "--insecure")
    lines = out.splitlines()
    assert lines[0] == "imagestream.image.openshift.io/app imported"
    assert "Name:\t\t\tapp" in lines
    assert f"  tagged from {source}" in lines
    assert "    will use insecure HTTPS or HTTP connections" in lines
    assert f"  * {upstream.address}/team/app@{img.digest}" in lines
    assert "Unique Images:\t\t1" in lines


def test_a_local_reference_policy_is_described_and_the_image_is_pulled_through(
    cli: Cli, project: str, upstream: ThirdParty
) -> None:
    img = image()
    upstream.push("team/app", img, "v1")
    source = f"{upstream.address}/team/app:v1"
    out = cli(
        "import-image",
        "app:v1",
        f"--from={source}",
        "--confirm",
        "--insecure",
        "--reference-policy=local",
    )
    lines = out.splitlines()
    assert "    prefer registry pullthrough when referencing this tag" in lines
    assert cli.server is not None
    assert f"  * {cli.server.address}/{project}/app@{img.digest}" in lines
    with cli.server.registry_client() as registry:
        pulled = registry.get(f"/v2/{project}/app/manifests/v1", headers={"Accept": img.media_type})
    assert pulled.content == img.manifest


def test_without_confirm_or_with_a_digest_it_says_what_to_do(cli: Cli, project: str) -> None:
    error = cli.fails("import-image", "app", "--from=quay.io/team/app:v1")
    assert error == 'error: no image stream named "app" exists, pass --confirm to create and import'
    error = cli.fails("import-image", f"app@sha256:{'a' * 64}", "--confirm")
    assert error == "error: to import images by ID, use the 'tag' command"


def test_import_image_of_a_stream_re_imports_its_tags_after_the_upstream_moved(
    cli: Cli, project: str, upstream: ThirdParty
) -> None:
    first, second = image(), image()
    upstream.push("team/app", first, "v1")
    cli(
        "import-image",
        "app:v1",
        f"--from={upstream.address}/team/app:v1",
        "--confirm",
        "--insecure",
    )
    upstream.push("team/app", second, "v1")
    lines = cli("import-image", "app").splitlines()
    assert f"  * {upstream.address}/team/app@{second.digest}" in lines
    assert f"    {upstream.address}/team/app@{first.digest}" in lines


def test_a_failed_import_is_one_error_line_and_describe_shows_the_condition(
    cli: Cli, project: str, upstream: ThirdParty
) -> None:
    upstream.push("team/app", image(), "v1")
    source = f"{upstream.address}/team/app:v1"
    error = cli.fails("import-image", "app", f"--from={source}", "--confirm")
    http_only = f"the repository {upstream.address} is HTTP only and requires the insecure flag"
    assert error.startswith("error: tag latest failed: ") and http_only in error
    described = cli("describe", "is", "app")
    assert f"  ! error: Import failed (InternalError): {http_only} to import" in described


def test_all_imports_at_most_fifty_tags_and_names_the_rest(
    cli: Cli, project: str, upstream: ThirdParty
) -> None:
    img = image()
    upstream.push("team/app", img, "latest")
    with upstream.client() as client:
        for n in range(1, 52):
            put_manifest(client, "team/app", f"1.{n}", img.manifest, img.media_type)
    repository = f"{upstream.address}/team/app"
    out = cli("import-image", "app", "--all", f"--from={repository}", "--confirm", "--insecure")
    assert "Tags:\t\t\t50" in out.splitlines()
    assert (
        "The remote repository contained 2 additional tags which were not imported: 1.2, 1.1" in out
    )


def test_a_docker_registry_secret_gives_the_projects_imports_its_credentials(
    cli: Cli, login_as: Callable[[str], Cli], tmp_path: Path
) -> None:
    alice, bob = login_as("alice"), login_as("bob")
    mine = _new_project(alice, f"imp-a-{tmp_path.name[-8:]}".lower().replace("_", "-"))
    bobs = _new_project(bob, f"imp-b-{tmp_path.name[-8:]}".lower().replace("_", "-"))
    with third_party(tmp_path / "private", users={"puller": "pw"}) as private:
        img = image()
        private.push("team/app", img, "v1")
        source = f"{private.address}/team/app:v1"
        alice(
            "create",
            "secret",
            "docker-registry",
            "pull",
            f"--docker-server={private.address}",
            "--docker-username=puller",
            "--docker-password=pw",
            "-n",
            mine,
        )
        out = alice(
            "import-image", "app", f"--from={source}", "--confirm", "--insecure", "-n", mine
        )
        assert f"  * {private.address}/team/app@{img.digest}" in out.splitlines()
        refused = bob.fails(
            "import-image", "app", f"--from={source}", "--confirm", "--insecure", "-n", mine
        )
        assert 'is forbidden: User "bob" cannot get resource "imagestreams"' in refused
        assert _post_import(bob, mine, source).status_code == 403  # the API asks the same
        # In his own project, alice's secret is not his to use.
        error = bob.fails(
            "import-image", "app", f"--from={source}", "--confirm", "--insecure", "-n", bobs
        )
        assert f'you may not have access to the container image "{source}"' in error


def test_a_dry_run_fetches_and_changes_nothing(
    cli: Cli, project: str, upstream: ThirdParty
) -> None:
    img = image()
    upstream.push("team/app", img, "v1")
    source = f"{upstream.address}/team/app:v1"
    out = cli("import-image", "app", f"--from={source}", "--confirm", "--insecure", "--dry-run")
    assert out.splitlines()[0] == "imagestream.image.openshift.io/app imported (dry run)"
    assert f"latest: {upstream.address}/team/app@{img.digest}" in out.splitlines()
    assert "not found" in cli.fails("get", "is", "app")
