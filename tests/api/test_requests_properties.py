"""Whatever body a client sends the API, the answer is deliberate: a success, or a Status
whose code is the response's, never a 500.

Generated requests against a real `moorage serve`: creates and patches of a
ConfigMap whose bodies are arbitrary bytes, arbitrary JSON, YAML text, and
deeply nested documents, under every content type the API reads and some it
does not.
"""

import json
from collections.abc import Iterator

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.k8s import CORE, create_namespace
from tests.support.server import RunningServer
from tests.support.strategies import JSON

HTTP = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
BODY_TYPES = st.sampled_from(
    ["application/json", "application/yaml", "application/json; charset=utf-8", "text/plain", ""]
)
PATCH_TYPES = st.sampled_from(
    [
        "application/merge-patch+json",
        "application/json-patch+json",
        "application/strategic-merge-patch+json",
        "application/apply-patch+yaml",
        "application/json",
    ]
)


def nested(depth: int, objects: bool) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth if objects else b"[" * depth + b"]" * depth


CONFIG_MAPS = st.fixed_dictionaries(
    {
        "apiVersion": st.one_of(st.just("v1"), JSON),
        "kind": st.one_of(st.just("ConfigMap"), JSON),
        "metadata": st.one_of(
            st.fixed_dictionaries({"generateName": st.just("cm-")}, optional={"labels": JSON}),
            JSON,
        ),
    },
    optional={"data": st.one_of(st.dictionaries(st.text(max_size=8), st.text(max_size=8)), JSON)},
)
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON.map(lambda doc: json.dumps(doc).encode()),
    CONFIG_MAPS.map(lambda doc: json.dumps(doc).encode()),
    CONFIG_MAPS.map(lambda doc: yaml.safe_dump(doc).encode()),
    st.builds(nested, st.integers(min_value=1, max_value=50_000), st.booleans()),
)


@pytest.fixture(scope="module")
def api(sqlite_api_server: RunningServer) -> Iterator[httpx.Client]:
    with sqlite_api_server.api_client() as client:
        yield client


@pytest.fixture(scope="module")
def namespace(api: httpx.Client) -> str:
    return create_namespace(api)


def deliberate(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text[:500]
    if response.status_code >= 400:
        status = response.json()
        assert status["kind"] == "Status" and status["code"] == response.status_code, status
        assert status["reason"] and status["message"], status


@HTTP
@given(BODIES, BODY_TYPES)
def test_any_create_body_is_stored_or_refused_with_a_status(
    api: httpx.Client, namespace: str, body: bytes, content_type: str
) -> None:
    made = api.post(
        f"{CORE}/namespaces/{namespace}/configmaps",
        content=body,
        headers={"Content-Type": content_type},
    )
    deliberate(made)
    if made.status_code == 201:
        name = made.json()["metadata"]["name"]
        assert api.get(f"{CORE}/namespaces/{namespace}/configmaps/{name}").status_code == 200


@HTTP
@given(BODIES, PATCH_TYPES)
def test_any_patch_body_is_applied_or_refused_with_a_status(
    api: httpx.Client, namespace: str, body: bytes, content_type: str
) -> None:
    made = api.post(
        f"{CORE}/namespaces/{namespace}/configmaps",
        json={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "p-"}},
    )
    assert made.status_code == 201, made.text
    name = made.json()["metadata"]["name"]
    patched = api.patch(
        f"{CORE}/namespaces/{namespace}/configmaps/{name}",
        content=body,
        headers={"Content-Type": content_type},
    )
    deliberate(patched)
