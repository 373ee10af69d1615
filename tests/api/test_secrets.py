"""Secrets: stringData merged into base64 data, and the keys each secret type requires."""

import base64

import httpx
import pytest

from tests.support.k8s import Object, assert_status, cause_fields, create, namespaced


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def secret(name: str, secret_type: str | None = None, **fields: object) -> Object:
    body: Object = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name}, **fields}
    if secret_type:
        body["type"] = secret_type
    return body


def test_a_secret_defaults_to_opaque_and_keeps_its_data(api: httpx.Client, namespace: str) -> None:
    created = create(api, namespaced(namespace, "secrets"), secret("s", data={"k": b64("v")}))
    assert created["type"] == "Opaque"
    assert created["data"] == {"k": b64("v")}


def test_string_data_is_merged_into_data_as_base64_and_not_kept(
    api: httpx.Client, namespace: str
) -> None:
    body = secret("s", data={"a": b64("from data"), "b": b64("overridden")}, stringData={"b": "x"})
    created = create(api, namespaced(namespace, "secrets"), body)
    assert created["data"] == {"a": b64("from data"), "b": b64("x")}
    assert "stringData" not in created
    stored = api.get(namespaced(namespace, "secrets", "s")).json()
    assert stored["data"] == created["data"]
    assert "stringData" not in stored


def test_string_data_in_an_update_is_merged_too(api: httpx.Client, namespace: str) -> None:
    created = create(api, namespaced(namespace, "secrets"), secret("s", data={"a": b64("1")}))
    response = api.put(
        namespaced(namespace, "secrets", "s"), json={**created, "stringData": {"b": "2"}}
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"] == {"a": b64("1"), "b": b64("2")}


def test_a_tls_secret_with_its_certificate_and_key_is_accepted(
    api: httpx.Client, namespace: str
) -> None:
    body = secret("tls", "kubernetes.io/tls", stringData={"tls.crt": "CERT", "tls.key": "KEY"})
    created = create(api, namespaced(namespace, "secrets"), body)
    assert created["type"] == "kubernetes.io/tls"
    assert set(created["data"]) == {"tls.crt", "tls.key"}


@pytest.mark.parametrize(
    ("secret_type", "given", "missing"),
    [
        ("kubernetes.io/tls", {"tls.crt": "CERT"}, "tls.key"),
        ("kubernetes.io/tls", {"tls.key": "KEY"}, "tls.crt"),
        ("kubernetes.io/dockerconfigjson", {"config": "{}"}, ".dockerconfigjson"),
    ],
)
def test_a_typed_secret_without_a_required_key_is_invalid_and_not_created(
    api: httpx.Client, namespace: str, secret_type: str, given: dict[str, str], missing: str
) -> None:
    response = api.post(
        namespaced(namespace, "secrets"), json=secret("s", secret_type, stringData=given)
    )
    status = assert_status(response, 422, "Invalid")
    assert cause_fields(status) == [f"data[{missing}]"]
    assert api.get(namespaced(namespace, "secrets", "s")).status_code == 404


def test_a_docker_config_secret_is_accepted(api: httpx.Client, namespace: str) -> None:
    config = '{"auths": {"registry.example.com": {"auth": "dTpw"}}}'
    body = secret("pull", "kubernetes.io/dockerconfigjson", data={".dockerconfigjson": b64(config)})
    created = create(api, namespaced(namespace, "secrets"), body)
    assert base64.b64decode(created["data"][".dockerconfigjson"]).decode() == config


def test_data_that_is_not_base64_is_invalid_and_names_the_key(
    api: httpx.Client, namespace: str
) -> None:
    response = api.post(
        namespaced(namespace, "secrets"), json=secret("s", data={"k": "not base64!"})
    )
    status = assert_status(response, 422, "Invalid")
    assert cause_fields(status) == ["data[k]"]
    assert api.get(namespaced(namespace, "secrets", "s")).status_code == 404


def test_an_update_cannot_drop_a_required_key(api: httpx.Client, namespace: str) -> None:
    body = secret("tls", "kubernetes.io/tls", stringData={"tls.crt": "C", "tls.key": "K"})
    created = create(api, namespaced(namespace, "secrets"), body)
    broken = {**created, "data": {"tls.crt": created["data"]["tls.crt"]}}
    assert_status(api.put(namespaced(namespace, "secrets", "tls"), json=broken), 422, "Invalid")
    assert api.get(namespaced(namespace, "secrets", "tls")).json() == created
