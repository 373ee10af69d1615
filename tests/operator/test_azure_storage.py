"""spec.storage.azure, configured the way the specification does it (a patch of the Config
and the credentials Secret), on a real Azure Blob endpoint (Azurite, its URL in the Secret's
REGISTRY_STORAGE_AZURE_SERVICEURL): the replicas keep blobs in the container and redirect
blob GETs to SAS URLs; a container that cannot be used is Degraded in words that say what to
fix, and the running registry keeps serving. The clients' round trips through every backend
are in test_cloud_clients.py."""

import base64
import json
import os
from pathlib import Path

import httpx

from moorage.storage.azure import UPLOADS
from moorage.storage.azure_client import make_client
from tests.cli.conftest import Cli
from tests.operator.conftest import (
    CONFIG,
    NAMESPACE,
    SECRET,
    condition,
    create_credentials,
    degraded_with,
    push_in_small_patches,
    registry_pods,
    run_on,
    settled,
    use_storage,
    wait_for,
)
from tests.support.azurite import ACCOUNT, ACCOUNT_KEY, Azurite
from tests.support.connect_proxy import loopback_proxy
from tests.support.images import digest_of, image, push_blob, push_image
from tests.support.requirements import require
from tests.support.server import RunningServer, free_port

BLOBS = "docker/registry/v2/blobs/"


def test_blob_gets_go_to_sas_urls_unless_redirects_are_disabled(
    cluster: RunningServer, oc: Cli, azurite: Azurite
) -> None:
    container = azurite.new_container()
    run_on(oc, "azure", {"accountName": ACCOUNT, "container": container}, azurite.credentials())
    data = b"redirected bytes" * 1000
    path = f"/v2/openshift/app/blobs/{digest_of(data)}"
    with cluster.registry_client() as http:
        assert push_blob(http, "openshift/app", data).status_code == 201
        redirected = http.get(path)
        assert redirected.status_code == 307
        signed = redirected.headers["Location"]
        assert signed.startswith(f"{azurite.service_url}/{container}/") and "sig=" in signed
        assert httpx.get(signed, headers={"Range": "bytes=10-19"}).content == data[10:20]
    oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"disableRedirect":true}}')
    wait_for(lambda: settled(oc), "the registry to run without redirects", timeout=120)
    with cluster.registry_client() as http:
        streamed = http.get(path)
        assert (streamed.status_code, streamed.content) == (200, data)


def test_storage_that_cannot_be_used_is_degraded_in_words_and_the_registry_serves_on(
    cluster: RunningServer, oc: Cli, azurite: Azurite
) -> None:
    wait_for(lambda: settled(oc), "the first rollout")
    before = {pod["metadata"]["name"] for pod in registry_pods(oc)}
    spec = {"accountName": ACCOUNT, "container": "nobody-made-this"}
    use_storage(oc, "azure", spec)
    wait_for(lambda: degraded_with(oc, "no account key for the Azure container"), "Degraded")

    wrong = base64.b64encode(b"not the account key").decode()
    create_credentials(oc, azurite.credentials(wrong))
    wait_for(lambda: degraded_with(oc, "refused the registry's credentials"), "Degraded")
    assert "check REGISTRY_STORAGE_AZURE_ACCOUNTKEY" in condition(oc, "Degraded")["message"]

    change_credentials(oc, {"REGISTRY_STORAGE_AZURE_ACCOUNTKEY": ACCOUNT_KEY})
    wait_for(lambda: degraded_with(oc, "does not exist: create it"), "Degraded")
    assert "container 'nobody-made-this'" in condition(oc, "Degraded")["message"]

    nowhere = f"http://127.0.0.1:{free_port()}/{ACCOUNT}"
    change_credentials(oc, {"REGISTRY_STORAGE_AZURE_SERVICEURL": nowhere})
    wait_for(lambda: degraded_with(oc, "cannot be used now"), "Degraded")
    assert {pod["metadata"]["name"] for pod in registry_pods(oc)} == before
    with cluster.registry_client() as http:
        assert http.get("/v2/").status_code == 200


def change_credentials(oc: Cli, keys: dict[str, str]) -> None:
    """Set `keys` in the credentials Secret, keeping the others."""
    data = {key: base64.b64encode(value.encode()).decode() for key, value in keys.items()}
    oc(
        "patch",
        "secret",
        SECRET,
        "-n",
        NAMESPACE,
        "--type",
        "merge",
        "-p",
        json.dumps({"data": data}),
    )


def test_small_patches_over_fresh_connections_make_a_valid_blob_on_azure(
    cluster: RunningServer, oc: Cli, azurite: Azurite
) -> None:
    container = azurite.new_container()
    run_on(oc, "azure", {"accountName": ACCOUNT, "container": container}, azurite.credentials())
    push_in_small_patches(cluster, os.urandom(12 << 20), 300 << 10)
    client = make_client(azurite.location(container))
    assert [blob.name for blob in client.list_blobs(name_starts_with=UPLOADS)] == []
    client.close()


def test_storage_that_goes_away_is_an_oci_error_and_is_used_again_when_it_is_back(
    cluster: RunningServer, oc: Cli, tmp_path: Path
) -> None:
    own = Azurite(require("azurite"), tmp_path / "azurite").start()
    try:
        container = own.new_container()
        spec = {"accountName": ACCOUNT, "container": container}
        run_on(oc, "azure", spec, own.credentials())
        oc("patch", CONFIG, "--type", "merge", "-p", '{"spec":{"disableRedirect":true}}')
        wait_for(lambda: settled(oc), "the registry to run without redirects", timeout=120)
        data = os.urandom(3000)
        path = f"/v2/openshift/app/blobs/{digest_of(data)}"
        with cluster.registry_client() as http:
            assert push_blob(http, "openshift/app", data).status_code == 201
        own.stop()
        with cluster.registry_client(timeout=120) as http:
            answer = http.get(path)
            assert answer.status_code == 503
            (error,) = answer.json()["errors"]
            assert error["code"] == "UNAVAILABLE"
            assert f"the Azure container '{container}'" in error["message"]
            assert "cannot be used now" in error["message"]
        own.start()  # the same port and files
        with cluster.registry_client() as http:
            assert http.get(path).content == data
    finally:
        own.stop()


def test_the_container_is_reached_through_the_configs_proxy_unless_no_proxy_names_it(
    cluster: RunningServer, oc: Cli, azurite: Azurite
) -> None:
    """The service URL's name resolves nowhere (RFC 2606 .invalid): only the proxy, which
    takes every name to loopback, reaches it."""
    hidden = f"http://blob.moorage-test.invalid:{azurite.port}/{ACCOUNT}"
    with loopback_proxy() as proxy:
        oc(
            "patch",
            CONFIG,
            "--type",
            "merge",
            "-p",
            json.dumps({"spec": {"proxy": {"http": proxy}}}),
        )
        container = azurite.new_container()
        keys = {**azurite.credentials(), "REGISTRY_STORAGE_AZURE_SERVICEURL": hidden}
        run_on(oc, "azure", {"accountName": ACCOUNT, "container": container}, keys)
        assert condition(oc, "Degraded")["status"] == "False", condition(oc, "Degraded")
        img = image()
        with cluster.registry_client() as registry:
            assert push_image(registry, "openshift/app", img, "v1").status_code == 201
        client = make_client(azurite.location(container))
        stored = [
            blob.name for blob in client.list_blobs(name_starts_with="docker/registry/v2/blobs/")
        ]
        client.close()
        assert any(img.digest.removeprefix("sha256:") in name for name in stored)
        direct = {"spec": {"proxy": {"noProxy": ".moorage-test.invalid"}}}
        oc("patch", CONFIG, "--type", "merge", "-p", json.dumps(direct))
        wait_for(lambda: degraded_with(oc, "cannot be used now"), "Degraded without the proxy")
