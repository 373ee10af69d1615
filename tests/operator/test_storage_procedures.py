"""Chapter 3's storage procedures, run as written with `moorage` for `oc`: the claim the
data directory's storage is, emptyDir, a ReadWriteOnce claim from the specification's
pvc.yaml with Recreate and one replica, and Removed tearing down managed storage."""

from pathlib import Path

import httpx

from tests.cli.conftest import Cli
from tests.operator.conftest import CONFIG, NAMESPACE, condition, get_json, settled, wait_for
from tests.support.images import image, push_image
from tests.support.server import RunningServer

PVC_YAML = """\
kind: PersistentVolumeClaim
apiVersion: v1
metadata:
  name: image-registry-storage
  namespace: openshift-image-registry
spec:
  accessModes:
  - ReadWriteOnce
  resources:
    requests:
      storage: 100Gi
"""


def _pulls(cluster: RunningServer, manifest: bytes) -> bool:
    with cluster.registry_client() as http:
        return http.get("/v2/openshift/app/manifests/v1").content == manifest


def test_the_data_directory_s_storage_is_the_claim_image_registry_storage(oc: Cli) -> None:
    claims = oc("get", "pvc", "-n", NAMESPACE).splitlines()
    assert claims[0].split() == [
        "NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS", "AGE"
    ]  # fmt: skip
    row = claims[1].split()
    assert row[0] == "image-registry-storage" and row[1] == "Bound" and "RWX" in row
    wait_for(lambda: settled(oc), "the first rollout")
    assert get_json(oc, CONFIG)["status"]["storage"] == {"pvc": {"claim": "image-registry-storage"}}


def test_block_storage_as_the_specification_sets_it_up(
    cluster: RunningServer, oc: Cli, tmp_path: Path
) -> None:
    img = image()
    with cluster.registry_client() as http:
        assert push_image(http, "openshift/app", img, "v1").status_code == 201
    # Away from the claim first (emptyDir, one replica), so that it can be made anew.
    oc(
        "patch", "config.imageregistry.operator.openshift.io/cluster", "--type=merge",
        "-p", '{"spec": {"rolloutStrategy": "Recreate", "replicas": 1}}',
    )  # fmt: skip
    oc(
        "patch", "configs.imageregistry.operator.openshift.io", "cluster",
        "--type", "merge", "--patch", '{"spec": {"storage":{"emptyDir":{}}}}',
    )  # fmt: skip
    wait_for(lambda: settled(oc), "the emptyDir rollout")
    assert not _pulls(cluster, img.manifest)
    oc("delete", "pvc", "image-registry-storage", "-n", NAMESPACE)
    (tmp_path / "pvc.yaml").write_text(PVC_YAML)
    oc("create", "-f", str(tmp_path / "pvc.yaml"), "-n", "openshift-image-registry")
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"storage":{"pvc":{"claim":""}}}}')
    wait_for(lambda: settled(oc), "the rollout onto the claim")
    assert _pulls(cluster, img.manifest)  # the volume outlived its claim, as Retain keeps it
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"replicas":2}}')
    wait_for(lambda: condition(oc, "Degraded").get("status") == "True", "Degraded=True")
    assert "ReadWriteOnce: one replica at a time" in condition(oc, "Degraded")["message"]


def test_a_claim_that_does_not_exist_is_degraded_and_the_registry_keeps_serving(
    cluster: RunningServer, oc: Cli
) -> None:
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"storage":{"pvc":{"claim":"nope"}}}}')
    wait_for(lambda: condition(oc, "Degraded").get("status") == "True", "Degraded=True")
    assert 'persistentvolumeclaims "nope" not found' in condition(oc, "Degraded")["message"]
    assert httpx.get(f"{cluster.url}/v2/").status_code == 401


def test_removed_tears_down_the_storage_the_operator_provisioned_when_it_manages_it(
    cluster: RunningServer, oc: Cli
) -> None:
    img = image()
    with cluster.registry_client() as http:
        assert push_image(http, "openshift/app", img, "v1").status_code == 201
    storage = cluster.data_dir / "storage"
    assert any(storage.rglob("*"))
    patch = '{"spec":{"storage":{"managementState":"Managed"},"managementState":"Removed"}}'
    oc("patch", CONFIG, "--type", "merge", "-p", patch)
    claim = ("get", "pvc", "image-registry-storage", "-n", NAMESPACE)
    wait_for(lambda: oc.run(*claim).returncode != 0, "the claim to go")
    assert not storage.exists()
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"managementState":"Managed"}}')
    wait_for(lambda: settled(oc), "the registry to come back")
    assert oc(*claim)
    assert not _pulls(cluster, img.manifest)


def test_removed_keeps_storage_it_does_not_manage(cluster: RunningServer, oc: Cli) -> None:
    img = image()
    with cluster.registry_client() as http:
        assert push_image(http, "openshift/app", img, "v1").status_code == 201
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"managementState":"Removed"}}')
    wait_for(lambda: condition(oc, "Removed").get("status") == "True", "Removed=True")
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"managementState":"Managed"}}')
    wait_for(lambda: settled(oc) and condition(oc, "Removed").get("status") == "False", "back")
    assert _pulls(cluster, img.manifest)
