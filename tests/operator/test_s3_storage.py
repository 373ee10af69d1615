"""spec.storage.s3, configured the way the specification does it (a patch of the Config and
the credentials Secret), on a real S3 endpoint (moto's server): the replicas keep blobs in
the bucket; a bucket that cannot be used is Degraded in words that say what to fix, and the
running registry keeps serving; Managed storage creates its bucket; new credentials roll out.
The clients' round trips through every backend are in test_cloud_clients.py."""

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from moorage.operator.s3_storage import location, with_defaults
from moorage.server.certificates import Signing, ensure_certificate
from tests.cli.conftest import Cli
from tests.operator.conftest import (
    CONFIG,
    NAMESPACE,
    SECRET,
    condition,
    create_s3_credentials,
    degraded_with,
    get_json,
    push_in_small_patches,
    registry_pods,
    run_on_s3,
    serving_s3,
    settled,
    use_s3,
    wait_for,
)
from tests.support.connect_proxy import loopback_proxy
from tests.support.images import digest_of, image, push_blob, push_image
from tests.support.moto import SECRET_KEY, MotoServer
from tests.support.requirements import require
from tests.support.server import RunningServer, free_port


def test_small_patches_over_fresh_connections_make_a_valid_blob_on_s3(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    bucket = moto.new_bucket()
    run_on_s3(oc, {"bucket": bucket, "regionEndpoint": moto.endpoint, "chunkSizeMiB": 5})
    push_in_small_patches(cluster, os.urandom(12 << 20), 300 << 10)
    client: Any = moto.client()
    uploads = client.list_objects_v2(Bucket=bucket, Prefix="docker/registry/v2/uploads/")
    assert uploads["KeyCount"] == 0
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    client.close()


def test_blob_gets_go_to_signed_urls_unless_redirects_are_disabled(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    run_on_s3(oc, {"bucket": moto.new_bucket(), "regionEndpoint": moto.endpoint})
    data = os.urandom(5000)
    path = f"/v2/openshift/app/blobs/{digest_of(data)}"
    with cluster.registry_client() as http:
        assert push_blob(http, "openshift/app", data).status_code == 201
        redirected = http.get(path)
        assert redirected.status_code == 307
        signed = redirected.headers["Location"]
        assert signed.startswith(moto.endpoint) and "X-Amz-Signature=" in signed
        assert httpx.get(signed, headers={"Range": "bytes=10-19"}).content == data[10:20]
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"disableRedirect":true}}')
    wait_for(lambda: settled(oc), "the registry to run without redirects", timeout=120)
    with cluster.registry_client() as http:
        streamed = http.get(path)
        assert (streamed.status_code, streamed.content) == (200, data)


def test_a_missing_bucket_under_unmanaged_storage_is_degraded_and_the_registry_serves_on(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    before = {pod["metadata"]["name"] for pod in registry_pods(oc)}
    create_s3_credentials(oc)
    use_s3(oc, {"bucket": "nobody-made-this", "regionEndpoint": moto.endpoint}, "Unmanaged")
    wait_for(lambda: degraded_with(oc, "does not exist: create it"), "Degraded")
    assert "'nobody-made-this'" in condition(oc, "Degraded")["message"]
    assert {pod["metadata"]["name"] for pod in registry_pods(oc)} == before
    with cluster.registry_client() as http:
        assert http.get("/v2/").status_code == 200


def test_missing_credentials_and_an_endpoint_nobody_answers_are_degraded_in_words(
    cluster: RunningServer, oc: Cli
) -> None:
    use_s3(oc, {"bucket": "b", "regionEndpoint": f"http://127.0.0.1:{free_port()}"})
    wait_for(lambda: degraded_with(oc, "no credentials for the S3 bucket 'b'"), "Degraded")
    create_s3_credentials(oc)
    wait_for(lambda: degraded_with(oc, "cannot be used now"), "Degraded")


def test_managed_storage_without_a_bucket_gets_one_made(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    run_on_s3(oc, {"regionEndpoint": moto.endpoint}, "Managed")
    bucket = get_json(oc, CONFIG)["spec"]["storage"]["s3"]["bucket"]
    assert bucket.startswith("moorage-image-registry-us-east-1-")
    client: Any = moto.client()
    client.head_bucket(Bucket=bucket)
    client.close()


def test_new_credentials_roll_out_and_never_reach_the_logs(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    run_on_s3(oc, {"bucket": moto.new_bucket(), "regionEndpoint": moto.endpoint})
    before = {pod["metadata"]["name"] for pod in registry_pods(oc)}
    oc("delete", "secret", SECRET, "-n", NAMESPACE)
    create_s3_credentials(oc, secret_key="rotated-secret-key")
    replaced = lambda: not before & {pod["metadata"]["name"] for pod in registry_pods(oc)}  # noqa: E731
    wait_for(lambda: replaced() and settled(oc), "new replicas", timeout=120)
    assert "rotated-secret-key" not in cluster.log()
    assert SECRET_KEY not in cluster.log()


def test_an_endpoint_signed_by_a_private_ca_is_trusted_through_trusted_ca(
    cluster: RunningServer, oc: Cli, tmp_path: Path
) -> None:
    signing = Signing("ca", "s3", "test-s3-signer", "moto")
    tls, _ = ensure_certificate(tmp_path / "s3", signing, ["127.0.0.1"])
    moto = MotoServer(require("moto"), tls).start()
    try:
        s3 = {"bucket": moto.new_bucket(), "regionEndpoint": moto.endpoint}
        create_s3_credentials(oc)
        use_s3(oc, s3)
        wait_for(lambda: degraded_with(oc, "CERTIFICATE_VERIFY_FAILED"), "Degraded")
        use_s3(oc, {**s3, "trustedCA": {"name": "s3-ca"}})
        wait_for(lambda: degraded_with(oc, 'configmap "s3-ca" not found'), "Degraded")
        ca = f"--from-file=ca-bundle.crt={tls.ca}"
        oc("create", "configmap", "s3-ca", ca, "-n", "openshift-config")
        wait_for(lambda: serving_s3(oc), "the registry to run on s3 over TLS", timeout=120)
        with cluster.registry_client() as http:
            assert push_blob(http, "openshift/app", b"over tls").status_code == 201
        client: Any = moto.client()
        assert client.list_objects_v2(Bucket=s3["bucket"])["KeyCount"] == 1
        client.close()
    finally:
        moto.stop()


def test_storage_that_goes_away_is_an_oci_error_naming_the_bucket(
    cluster: RunningServer, oc: Cli
) -> None:
    moto = MotoServer(require("moto")).start()
    try:
        bucket = moto.new_bucket()
        create_s3_credentials(oc)
        use_s3(oc, {"bucket": bucket, "regionEndpoint": moto.endpoint})
        oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"disableRedirect":true}}')
        wait_for(lambda: serving_s3(oc), "the registry to run on s3", timeout=120)
        data = os.urandom(3000)
        with cluster.registry_client() as http:
            assert push_blob(http, "openshift/app", data).status_code == 201
    finally:
        moto.stop()
    with cluster.registry_client(timeout=120) as http:
        answer = http.get(f"/v2/openshift/app/blobs/{digest_of(data)}")
        assert answer.status_code == 503
        (error,) = answer.json()["errors"]
        assert error["code"] == "UNAVAILABLE"
        assert f"the S3 bucket '{bucket}' at {moto.endpoint} cannot be used now" in error["message"]
        assert http.get("/v2/").status_code == 200


# What the operator fills in, and where it reads the credentials ----------------------------


def test_a_named_bucket_is_unmanaged_and_a_managed_one_without_a_name_gets_one() -> None:
    assert with_defaults({"s3": {"bucket": "mine"}}) == {
        "s3": {"bucket": "mine"},
        "managementState": "Unmanaged",
    }
    assert with_defaults({"s3": {"bucket": "mine"}, "managementState": "Managed"}) is None
    made = with_defaults({"s3": {"region": "eu-west-1"}})
    assert made is not None and made["managementState"] == "Managed"
    assert made["s3"]["bucket"].startswith("moorage-image-registry-eu-west-1-")
    assert with_defaults({"s3": {}, "managementState": "Unmanaged"}) is None


def test_the_credentials_come_from_the_secret_and_a_half_secret_is_a_problem() -> None:
    encoded = {"REGISTRY_STORAGE_S3_ACCESSKEY": "YWs=", "REGISTRY_STORAGE_S3_SECRETKEY": "c2s="}
    bucket, problem = location({"bucket": "b", "chunkSizeMiB": 8}, {"data": encoded})
    assert (bucket.access_key, bucket.secret_key, bucket.chunk_size) == ("ak", "sk", 8 << 20)
    assert problem is None
    encrypted = location({"bucket": "b", "encrypt": True, "keyID": "alias/k"}, None)[0]
    assert (encrypted.encrypt, encrypted.key_id) == (True, "alias/k")
    half = {"data": {"REGISTRY_STORAGE_S3_ACCESSKEY": "YWs="}}
    assert "must hold both" in str(location({"bucket": "b"}, half)[1])


def _blob_keys(moto: MotoServer, bucket: str) -> set[str]:
    client: Any = moto.client()
    listed = client.list_objects_v2(Bucket=bucket, Prefix="docker/registry/v2/blobs/")
    client.close()
    return {item["Key"] for item in listed.get("Contents", [])}


def _blob_key(blob: bytes) -> str:
    hex_ = digest_of(blob).removeprefix("sha256:")
    return f"docker/registry/v2/blobs/sha256/{hex_[:2]}/{hex_}/data"


def test_the_collector_frees_a_deleted_image_s_blobs_in_the_bucket(
    moto: MotoServer, tmp_path: Path
) -> None:
    flags = ["--workers", "1", "--gc-interval", "0.5", "--gc-grace", "1"]
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", flags).start()
    try:
        oc = Cli(tmp_path / "kube" / "config", tmp_path, server)
        oc("login", server.api_url, "-u", "kubeadmin", "-p", server.kubeadmin_password)
        bucket = moto.new_bucket()
        run_on_s3(oc, {"bucket": bucket, "regionEndpoint": moto.endpoint})
        kept, dropped = image(layers=2), image(layers=2)
        with server.registry_client() as http:
            assert push_image(http, "openshift/kept", kept, "v1").status_code == 201
            assert push_image(http, "openshift/dropped", dropped, "v1").status_code == 201
            deleted = http.delete(f"/v2/openshift/dropped/manifests/{dropped.digest}")
            assert deleted.status_code == 202
        garbage = {_blob_key(blob) for blob in dropped.blobs}
        wait_for(lambda: not garbage & _blob_keys(moto, bucket), "the collector", timeout=60)
        assert {_blob_key(blob) for blob in kept.blobs} <= _blob_keys(moto, bucket)
        with server.registry_client() as http:
            for blob in kept.blobs:
                pulled = http.get(f"/v2/openshift/kept/blobs/{digest_of(blob)}")
                assert pulled.status_code in (200, 307)
                if pulled.status_code == 307:
                    pulled = httpx.get(pulled.headers["Location"])
                assert pulled.content == blob
        assert "garbage collection removed" in server.log()
    finally:
        server.stop()


def test_the_bucket_is_reached_through_the_configs_proxy_unless_no_proxy_names_it(
    cluster: RunningServer, oc: Cli, moto: MotoServer
) -> None:
    """The endpoint's name resolves nowhere (RFC 2606 .invalid): only the proxy, which takes
    every name to loopback, reaches it."""
    hidden = f"http://s3.moorage-test.invalid:{urlsplit(moto.endpoint).port}"
    with loopback_proxy() as proxy:
        oc(
            "patch",
            CONFIG,
            "--type",
            "merge",
            "-p",
            json.dumps({"spec": {"proxy": {"http": proxy}}}),
        )
        bucket = moto.new_bucket()
        run_on_s3(oc, {"bucket": bucket, "regionEndpoint": hidden})
        assert condition(oc, "Degraded").get("status") == "False", condition(oc, "Degraded")
        img = image()
        with cluster.registry_client() as registry:
            assert push_image(registry, "openshift/app", img, "v1").status_code == 201
        client: Any = moto.client()
        listed = client.list_objects_v2(Bucket=bucket, Prefix="docker/registry/v2/blobs/")
        client.close()
        hex_ = img.digest.removeprefix("sha256:")
        assert any(hex_ in item["Key"] for item in listed.get("Contents", []))
        direct = {"spec": {"proxy": {"noProxy": ".moorage-test.invalid"}}}
        oc("patch", CONFIG, "--type", "merge", "-p", json.dumps(direct))
        wait_for(lambda: degraded_with(oc, "cannot be used now"), "Degraded without the proxy")
