"""adm prune images: what it deletes and keeps, as `oc adm prune images`, on a real server.

The server's collector grace is short (GRACE), so that what the tests push is old enough
to prune after a short wait; everything pushed less than GRACE ago is always kept. The
tests share the server and prune across it: each looks at its own images only.
"""

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.conftest import PASSWORDS, Cli
from tests.support.images import (
    OCI_INDEX,
    Image,
    digest_of,
    image,
    index,
    push_blob,
    push_image,
)
from tests.support.oci import put_manifest
from tests.support.server import RunningServer
from tests.support.users import serving_users

GRACE = 1.0
DRY_RUN = "Dry run enabled - no modifications will be made. Add --confirm to remove images"
PRUNE = ("adm", "prune", "images", "--keep-younger-than=0s")


@pytest.fixture(scope="module")
def api_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The module's server (the CLI fixtures use it): a short grace, a collector every 0.2 s."""
    base = tmp_path_factory.mktemp("prune")
    serve_args = ("--gc-grace", str(GRACE), "--gc-interval", "0.2")
    with serving_users(base, PASSWORDS, projects=(), serve_args=serve_args) as running:
        yield running


def registry(cli: Cli) -> httpx.Client:
    assert cli.server is not None
    return httpx.Client(base_url=cli.server.url, timeout=30, auth=cli.registry_auth)


def api(cli: Cli) -> httpx.Client:
    assert cli.server is not None
    return cli.server.api_client()


def push_revisions(cli: Cli, repository: str, tag: str, count: int) -> list[Image]:
    """`count` images pushed to one tag in turn, the last one served now; aged past GRACE."""
    pushed = [image(layers=1) for _ in range(count)]
    with registry(cli) as client:
        for img in pushed:
            assert push_image(client, repository, img, tag).status_code == 201
    time.sleep(GRACE)
    return pushed


def history(cli: Cli, project: str, stream: str, tag: str) -> list[str]:
    with api(cli) as client:
        path = f"/apis/image.openshift.io/v1/namespaces/{project}/imagestreams/{stream}"
        answer = client.get(path)
    assert answer.status_code == 200, answer.text
    tags = {t["tag"]: t["items"] for t in answer.json()["status"]["tags"]}
    return [item["image"] for item in tags[tag]]


def manifest_status(cli: Cli, repository: str, digest: str) -> int:
    with registry(cli) as client:
        return client.get(f"/v2/{repository}/manifests/{digest}").status_code


def image_status(cli: Cli, digest: str) -> int:
    with api(cli) as client:
        return client.get(f"/apis/image.openshift.io/v1/images/{digest}").status_code


def blob_path(server: RunningServer, data: bytes) -> Path:
    hex_digest = digest_of(data).removeprefix("sha256:")
    return server.data_dir / "storage" / "blobs" / "sha256" / hex_digest[:2] / hex_digest


def test_a_dry_run_lists_what_would_go_and_changes_nothing(cli: Cli, project: str) -> None:
    repository = f"{project}/app"
    pushed = push_revisions(cli, repository, "latest", 3)
    old = [img.digest for img in pushed[:2]]

    out = cli(*PRUNE, "--keep-tag-revisions=1").splitlines()

    assert out[0] == DRY_RUN
    for digest in old:
        assert f"Deleting tag history item {digest} of {repository}:latest" in out
        assert f"Deleting manifest link {digest} in repository {repository}" in out
        assert f"Deleting image {digest}" in out
    layer = digest_of(pushed[0].layers[0])
    assert f"Deleting layer link {layer} in repository {repository}" in out
    assert f"Deleting blob {layer} ({len(pushed[0].layers[0])} bytes)" in out
    assert pushed[2].digest not in "\n".join(out)
    assert (
        "Summary: deleted 2 image object(s), deleted 2 image stream tag item(s), "
        "updated 1 image stream(s), deleted 4 layer link(s), deleted 2 manifest link(s), "
        "deleted 6 blob(s)"
    ) in out
    assert out[-1].startswith("Would free ")
    assert history(cli, project, "app", "latest") == [img.digest for img in reversed(pushed)]
    assert all(manifest_status(cli, repository, digest) == 200 for digest in old)


def test_confirm_deletes_old_revisions_and_the_collector_frees_their_bytes(
    cli: Cli, project: str
) -> None:
    assert cli.server is not None
    repository = f"{project}/app"
    pushed = push_revisions(cli, repository, "latest", 4)

    out = cli(*PRUNE, "--keep-tag-revisions=2", "--confirm").splitlines()

    assert DRY_RUN not in out
    assert out[-1].startswith("Freeing ")
    kept, gone = [img.digest for img in reversed(pushed[2:])], [img.digest for img in pushed[:2]]
    assert history(cli, project, "app", "latest") == kept
    for digest in gone:
        assert manifest_status(cli, repository, digest) == 404
        assert image_status(cli, digest) == 404
    for digest in kept:
        assert manifest_status(cli, repository, digest) == 200
        assert image_status(cli, digest) == 200
    freed = blob_path(cli.server, pushed[0].layers[0])
    deadline = time.monotonic() + 30
    while freed.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not freed.exists(), "the collector frees a pruned image's layer after its grace"
    assert blob_path(cli.server, pushed[3].layers[0]).exists()


def test_an_index_keeps_its_children_and_goes_with_them(cli: Cli, project: str) -> None:
    repository = f"{project}/multi"
    children = [image(layers=1, arch=arch) for arch in ("amd64", "arm64")]
    body = index(children)
    with registry(cli) as client:
        for child in children:
            assert push_image(client, repository, child, child.digest).status_code == 201
        assert put_manifest(client, repository, "v1", body, OCI_INDEX).status_code == 201
    time.sleep(GRACE)

    kept = cli(*PRUNE, "--keep-tag-revisions=1", "--confirm")

    # Untagged and old, but an index that stays (the tag serves it) lists them.
    assert repository not in kept
    assert not any(c.digest in kept for c in children)
    assert all(manifest_status(cli, repository, c.digest) == 200 for c in children)

    push_revisions(cli, repository, "v1", 1)
    out = cli(*PRUNE, "--keep-tag-revisions=1", "--confirm").splitlines()

    for digest in (digest_of(body), *(c.digest for c in children)):
        assert f"Deleting manifest link {digest} in repository {repository}" in out
        assert f"Deleting image {digest}" in out
        assert manifest_status(cli, repository, digest) == 404


def test_the_image_a_tag_serves_stays_however_old(cli: Cli, project: str) -> None:
    repository = f"{project}/app"
    (only,) = push_revisions(cli, repository, "latest", 1)

    out = cli(*PRUNE, "--keep-tag-revisions=0", "--confirm")

    assert only.digest not in out
    assert manifest_status(cli, repository, only.digest) == 200


def test_an_untagged_image_goes_once_older_than_the_cutoff(cli: Cli, project: str) -> None:
    repository = f"{project}/loose"
    loose = image(layers=1)
    with registry(cli) as client:
        assert push_image(client, repository, loose, loose.digest).status_code == 201
    time.sleep(GRACE)

    young = cli("adm", "prune", "images", "--keep-younger-than=1h", "--confirm")
    assert loose.digest not in young
    out = cli(*PRUNE, "--confirm").splitlines()

    assert f"Deleting image {loose.digest}" in out
    assert manifest_status(cli, repository, loose.digest) == 404


def test_without_prune_registry_only_api_objects_go(cli: Cli, project: str) -> None:
    repository = f"{project}/app"
    pushed = push_revisions(cli, repository, "latest", 2)

    out = cli(*PRUNE, "--keep-tag-revisions=1", "--prune-registry=false", "--confirm")

    assert "Only API objects will be removed." in out
    assert " link " not in out and "Deleting blob" not in out
    assert f"Deleting image {pushed[0].digest}" in out
    assert history(cli, project, "app", "latest") == [pushed[1].digest]
    assert manifest_status(cli, repository, pushed[0].digest) == 200


def test_a_namespace_prunes_its_streams_only_and_no_images(
    cli: Cli, project: str, api_server: RunningServer
) -> None:
    other = f"o-{project}"
    api_server.create_projects(other)
    mine = push_revisions(cli, f"{project}/app", "latest", 2)
    theirs = push_revisions(cli, f"{other}/app", "latest", 2)

    out = cli(*PRUNE, "--keep-tag-revisions=1", "-n", project, "--confirm")

    assert f"Deleting tag history item {mine[0].digest} of {project}/app:latest" in out
    assert theirs[0].digest not in out and "Deleting image" not in out
    assert history(cli, other, "app", "latest") == [theirs[1].digest, theirs[0].digest]


@pytest.mark.parametrize("flag", ["--keep-tag-revisions=-1", "--keep-younger-than=-5m"])
def test_negative_keep_values_are_refused(cli: Cli, flag: str) -> None:
    name = flag.split("=")[0]
    expected = f"error: {name} must be greater than or equal to 0"
    assert cli.fails("adm", "prune", "images", flag) == expected


def test_pruning_needs_cluster_wide_rights(
    cli: Cli, project: str, login_as: Callable[[str], Cli]
) -> None:
    repository = f"{project}/app"
    pushed = push_revisions(cli, repository, "latest", 2)
    cli("policy", "add-role-to-user", "admin", "alice", "-n", project)
    alice = login_as("alice")

    refused = alice.fails(*PRUNE, "--keep-tag-revisions=1", "--confirm")

    assert refused == (
        'error: imageprunes.image.openshift.io is forbidden: User "alice" cannot create '
        'resource "imageprunes" in API group "image.openshift.io" at the cluster scope'
    )
    assert history(cli, project, "app", "latest") == [pushed[1].digest, pushed[0].digest]
    cli("adm", "policy", "add-cluster-role-to-user", "system:image-pruner", "bob")
    bob = login_as("bob")
    assert f"Deleting image {pushed[0].digest}" in bob(*PRUNE, "--keep-tag-revisions=1")


def test_a_layer_shared_with_a_kept_image_keeps_its_link(cli: Cli, project: str) -> None:
    repository = f"{project}/shared"
    first = image(layers=1)
    second = json.loads(image(layers=1).manifest)
    second["layers"] = json.loads(first.manifest)["layers"]  # the same layer, another config
    config = image(layers=1).config
    second["config"]["digest"], second["config"]["size"] = digest_of(config), len(config)
    with registry(cli) as client:
        assert push_image(client, repository, first, "latest").status_code == 201
        assert push_blob(client, repository, config).status_code == 201
        body = json.dumps(second).encode()
        assert put_manifest(client, repository, "latest", body).status_code == 201
    time.sleep(GRACE)

    out = cli(*PRUNE, "--keep-tag-revisions=1", "--confirm")

    assert f"Deleting manifest link {first.digest}" in out
    assert digest_of(first.layers[0]) not in out
    with registry(cli) as client:
        layer = client.get(f"/v2/{repository}/blobs/{digest_of(first.layers[0])}")
    assert layer.status_code == 200
