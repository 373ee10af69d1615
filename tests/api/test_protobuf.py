"""The protobuf bodies kubectl sends only so (`kubectl auth can-i`): read; others 415."""

import httpx
import pytest

from moorage.api.protobuf import MAGIC, Undecodable, decode
from tests.support.k8s import assert_status

PROTOBUF = {"Content-Type": "application/vnd.kubernetes.protobuf"}
REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _field(number: int, payload: bytes | str) -> bytes:
    data = payload.encode() if isinstance(payload, str) else payload
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _body(api_version: str, kind: str, raw: bytes) -> bytes:
    """As client-go writes it: the magic, then a runtime.Unknown around the object."""
    type_meta = _field(1, api_version) + _field(2, kind)
    return MAGIC + _field(1, type_meta) + _field(2, raw) + _field(3, "") + _field(4, "")


def _review(**attributes: str) -> bytes:
    numbers = {"namespace": 1, "verb": 2, "group": 3, "version": 4, "resource": 5, "name": 7}
    fields = b"".join(_field(numbers[key], value) for key, value in attributes.items())
    spec = _field(1, fields + _field(6, ""))  # an empty subresource, as kubectl sends
    metadata = _field(1, _field(1, "") + _varint(7 << 3) + _varint(0))  # and a varint field
    raw = metadata + _field(2, spec)
    return _body("authorization.k8s.io/v1", "SelfSubjectAccessReview", raw)


def test_a_self_subject_access_review_reads_as_its_json() -> None:
    body = _review(namespace="default", verb="create", group="image.openshift.io", resource="is")
    assert decode(body) == {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "metadata": {},
        "spec": {
            "resourceAttributes": {
                "namespace": "default",
                "verb": "create",
                "group": "image.openshift.io",
                "resource": "is",
            }
        },
    }


@pytest.mark.parametrize(
    "body",
    [
        b"\x0a\x00",
        _body("v1", "ConfigMap", _field(1, "")),
        _review(verb="get")[:-3],
        MAGIC + b"\x0f",
        MAGIC + b"\x80",
    ],
    ids=["no-magic", "unread-kind", "cut-short", "bad-wire-type", "unfinished-varint"],
)
def test_what_is_not_read_is_undecodable(body: bytes) -> None:
    with pytest.raises(Undecodable):
        decode(body)


def test_the_api_answers_a_protobuf_review_in_json(api: httpx.Client, namespace: str) -> None:
    body = _review(namespace=namespace, verb="create", resource="configmaps")
    response = api.post(REVIEWS, content=body, headers=PROTOBUF)
    assert response.status_code == 201, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["status"]["allowed"] is True


def test_other_protobuf_kinds_are_still_refused_with_415(api: httpx.Client) -> None:
    body = _body("v1", "ConfigMap", _field(1, _field(1, "cm")))
    response = api.post("/api/v1/namespaces/default/configmaps", content=body, headers=PROTOBUF)
    assert_status(response, 415, "UnsupportedMediaType")
