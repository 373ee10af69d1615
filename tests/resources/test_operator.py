"""The registry's Config: OpenShift's field names, defaults, and what it refuses."""

import pytest

from moorage.resources.catalogue import catalogue
from moorage.resources.names import Invalid
from moorage.resources.objects import Object
from moorage.resources.operator import GROUP, replace_storage

CONFIG = catalogue().find(GROUP, "v1", "configs")


def _config(spec: Object, name: str = "cluster") -> Object:
    assert CONFIG is not None
    return CONFIG.validate({"metadata": {"name": name}, "spec": spec})


def _causes(spec: Object, name: str = "cluster") -> dict[str, str]:
    with pytest.raises(Invalid) as refused:
        _config(spec, name)
    return {c["field"]: c["message"] for c in refused.value.causes}


def test_an_empty_spec_gets_openshift_s_defaults() -> None:
    spec = _config({})["spec"]
    assert spec["managementState"] == "Managed"
    assert spec["logLevel"] == "Normal"
    assert spec["replicas"] == 1
    assert spec["rolloutStrategy"] == "RollingUpdate"
    assert spec["readOnly"] is False
    assert spec["defaultRoute"] is False


def test_the_specification_s_fields_are_accepted_as_written() -> None:
    spec = {
        "managementState": "Unmanaged",
        "logLevel": "TraceAll",
        "httpSecret": "x" * 64,
        "proxy": {"http": "http://p:3128", "https": "http://p:3128", "noProxy": "localhost"},
        "readOnly": True,
        "disableRedirect": True,
        "requests": {"read": {"maxRunning": 10, "maxInQueue": 5, "maxWaitInQueue": "1m30s"}},
        "defaultRoute": True,
        "routes": [{"name": "r", "hostname": "r.example.com", "secretName": "tls"}],
        "replicas": 2,
        "rolloutStrategy": "Recreate",
        "storage": {"s3": {"bucket": "b", "region": "us-east-1", "chunkSizeMiB": 10}},
        "nodeSelector": {"a": "b"},
    }
    assert _config(spec)["spec"]["storage"]["s3"]["chunkSizeMiB"] == 10


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"replicas": -1}, "spec.replicas"),
        ({"managementState": "Sometimes"}, "spec.managementState"),
        ({"logLevel": "Loud"}, "spec.logLevel"),
        ({"rolloutStrategy": "Quickly"}, "spec.rolloutStrategy"),
        ({"requests": {"write": {"maxWaitInQueue": "soon"}}}, "spec.requests.write.maxWaitInQueue"),
        ({"requests": {"read": {"maxRunning": -2}}}, "spec.requests.read.maxRunning"),
        ({"storage": {"s3": {"chunkSizeMiB": 4}}}, "spec.storage.s3.chunkSizeMiB"),
        ({"storage": {"nfs": {}}}, "spec.storage.nfs"),
        ({"storage": {"pvc": {}, "emptyDir": {}}}, "spec.storage"),
        ({"replica": 2}, "spec.replica"),
    ],
)
def test_a_field_that_cannot_work_is_refused_by_name(spec: Object, field: str) -> None:
    assert field in _causes(spec)


def test_two_storage_types_are_named_in_the_refusal() -> None:
    message = _causes({"storage": {"pvc": {}, "emptyDir": {}}})["spec.storage"]
    assert "only one storage type may be set, not emptyDir, pvc" in message


def test_the_config_is_a_singleton_named_cluster() -> None:
    assert "metadata.name" in _causes({}, name="other")


def test_adding_a_storage_type_replaces_the_one_stored() -> None:
    storage = {"pvc": {"claim": "c"}, "managementState": "Unmanaged"}
    stored = {"spec": {"storage": storage}}
    sent = {"spec": {"storage": {**storage, "emptyDir": {}}}}
    assert replace_storage(stored, sent)["spec"]["storage"] == {
        "emptyDir": {},
        "managementState": "Unmanaged",
    }


def test_sending_two_new_storage_types_at_once_is_left_for_validation_to_refuse() -> None:
    stored = {"spec": {"storage": {"pvc": {}}}}
    sent = {"spec": {"storage": {"pvc": {}, "emptyDir": {}, "s3": {}}}}
    assert replace_storage(stored, sent) == sent
