"""spec.storage.s3.cloudFront, configured as OpenShift's API has it (baseURL, privateKey naming
a key of a Secret in openshift-image-registry, keypairID, duration): blob GETs are redirected
to CloudFront signed URLs, which the clients follow to the distribution (a stand-in over the
moto bucket that checks them as CloudFront does); the private key stays in its Secret; a
missing Secret or key is Degraded in words naming it; fields that cannot work are refused."""

import base64
import json
from pathlib import Path
from typing import Any

from moorage.operator.cloudfront import cloud_front
from tests.cli.conftest import Cli
from tests.operator.conftest import (
    CONFIG,
    NAMESPACE,
    create_s3_credentials,
    degraded_with,
    get_json,
    run_on_s3,
    use_s3,
    wait_for,
)
from tests.support.clients import Layout, Sandbox, logged_requests
from tests.support.cloudfront import CloudFrontStandIn, KeyPair
from tests.support.images import digest_of, image, write_oci_layout
from tests.support.moto import MotoServer
from tests.support.requirements import require
from tests.support.server import RunningServer

KEY_SECRET = "cloudfront-key"


def cloud_front_spec(base_url: str, key_pair: KeyPair) -> dict[str, Any]:
    selector = {"name": KEY_SECRET, "key": "private.pem"}
    return {"baseURL": base_url, "privateKey": selector, "keypairID": key_pair.id, "duration": "5m"}


def create_key_secret(oc: Cli, key_pair: KeyPair, directory: Path) -> None:
    pem = directory / "private.pem"
    pem.write_text(key_pair.pem)
    oc("create", "secret", "generic", KEY_SECRET, f"--from-file={pem}", "-n", NAMESPACE)


def everything_said(oc: Cli, cluster: RunningServer) -> str:
    """The server's and every replica's logs, and the Config as `get -o yaml` shows it."""
    pods = sorted((cluster.data_dir / "logs").glob("*.log"))
    said = [cluster.log(), *(pod.read_text() for pod in pods)]
    return "\n".join([*said, oc("get", CONFIG, "-o", "yaml")])


def test_skopeo_pulls_through_cloudfront_signed_urls_and_the_private_key_stays_in_its_secret(
    cluster: RunningServer, oc: Cli, moto: MotoServer, tmp_path: Path
) -> None:
    require("skopeo")
    bucket, key_pair = moto.new_bucket(), KeyPair()
    img = image(layers=2, compressed=True)
    layout = write_oci_layout(tmp_path / "layout", {"v1": img.manifest}, [img])
    with CloudFrontStandIn(moto, bucket, key_pair) as distribution:
        create_key_secret(oc, key_pair, tmp_path)
        front = cloud_front_spec(distribution.base_url, key_pair)
        run_on_s3(oc, {"bucket": bucket, "regionEndpoint": moto.endpoint, "cloudFront": front})
        skopeo = Sandbox(tmp_path / "skopeo").log_in(cluster.address, *cluster.registry_auth)
        remote = f"docker://{cluster.address}/openshift/app:v1"
        skopeo.skopeo("copy", "--dest-tls-verify=false", f"oci:{layout}:v1", remote)
        pulled = Layout(tmp_path / "pulled")
        skopeo.skopeo("copy", "--src-tls-verify=false", remote, f"oci:{pulled.root}:v1")
        skopeo.close()

    assert pulled.manifest_digest("v1") == img.digest
    assert pulled.blob_digests() == {img.digest, *map(digest_of, img.blobs)}
    served = {path.rsplit("/", 2)[-2]: status for path, status in distribution.answers}
    blobs = [digest_of(blob) for blob in img.blobs]
    assert {digest.removeprefix("sha256:"): 200 for digest in blobs}.items() <= served.items()
    registry_answers = {
        (path.rsplit("/", 1)[-1], status)
        for pod in (cluster.data_dir / "logs").glob("image-registry-*.log")
        for method, path, status in logged_requests(pod.read_text())
        if method == "GET" and "/blobs/" in path
    }
    assert registry_answers == {(digest, 307) for digest in blobs}

    said = everything_said(oc, cluster)
    pem_body = key_pair.pem.splitlines()[1]
    assert pem_body not in said
    assert base64.b64encode(key_pair.pem.encode()).decode()[:40] not in said
    status = get_json(oc, CONFIG)["status"]
    assert status["storage"]["s3"]["cloudFront"]["privateKey"] == front["privateKey"]


def test_a_missing_key_secret_or_key_is_degraded_naming_it(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    create_s3_credentials(oc)
    front = cloud_front_spec("https://d111111abcdef8.cloudfront.net", KeyPair())
    use_s3(oc, {"bucket": moto.new_bucket(), "regionEndpoint": moto.endpoint, "cloudFront": front})
    missing = f'secret "{KEY_SECRET}" not found in {NAMESPACE}'
    wait_for(lambda: degraded_with(oc, missing), "Degraded naming the Secret")
    oc("create", "secret", "generic", KEY_SECRET, "--from-literal=other=x", "-n", NAMESPACE)
    no_key = f'the key "private.pem" of secret "{KEY_SECRET}" in {NAMESPACE} is missing'
    wait_for(lambda: degraded_with(oc, no_key), "Degraded naming the key")


def test_a_key_that_is_not_an_rsa_private_key_is_a_problem_naming_where_it_is() -> None:
    front = cloud_front_spec("https://d111111abcdef8.cloudfront.net", KeyPair())
    secret = {"data": {"private.pem": base64.b64encode(b"not a key").decode()}}
    found, problem = cloud_front({"cloudFront": front}, secret)
    assert found is None and problem is not None
    assert f'the key "private.pem" of secret "{KEY_SECRET}"' in problem
    assert "not a private key in PEM" in problem


def test_cloudfront_fields_that_cannot_work_are_refused(cluster: RunningServer, oc: Cli) -> None:
    good = cloud_front_spec("https://d111111abcdef8.cloudfront.net", KeyPair())
    for field, value, named in [
        ("baseURL", "d111111abcdef8.cloudfront.net", "baseURL"),
        ("keypairID", "", "keypairID"),
        ("duration", "20 minutes", "duration"),
        ("privateKey", {"name": KEY_SECRET}, "privateKey.key"),
    ]:
        s3 = {"bucket": "b", "cloudFront": {**good, field: value}}
        patch = json.dumps({"spec": {"storage": {"s3": s3}}})
        error = oc.fails("patch", CONFIG, "--type", "merge", "-p", patch)
        assert f"spec.storage.s3.cloudFront.{named}" in error, error
