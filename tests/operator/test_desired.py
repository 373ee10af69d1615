"""From the Config's spec to what replicas run with, and what in it cannot work."""

from moorage.operator.claims import DEFAULT_CLAIM, default_claim
from moorage.operator.cloud_checks import CheckedStorage
from moorage.operator.desired import desired
from moorage.registry.settings import RequestLimits, secret_bytes
from moorage.resources.catalogue import catalogue
from moorage.resources.objects import Object
from moorage.resources.operator import GROUP
from moorage.storage.s3_client import S3Location


def _spec(**fields: object) -> Object:
    kind = catalogue().find(GROUP, "v1", "configs")
    assert kind is not None
    spec = {"httpSecret": "ab" * 32, **fields}
    return kind.validate({"metadata": {"name": "cluster"}, "spec": spec})["spec"]


SHARED = default_claim("10Gi")


def _claim(name: str, *modes: str) -> Object:
    meta = {"name": name, "namespace": "openshift-image-registry"}
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": "1Gi"}}}
    return {"metadata": meta, "spec": spec}


def test_the_default_claim_is_the_data_directory_s_filesystem() -> None:
    wanted = desired(_spec(storage={"pvc": {"claim": ""}}, replicas=2), SHARED)
    assert wanted.settings.storage == "filesystem"
    assert wanted.settings.volume == "storage"
    assert wanted.storage == {"pvc": {"claim": DEFAULT_CLAIM}}
    assert wanted.replicas == 2
    assert wanted.problems == []


def test_another_claim_is_a_volume_directory_of_its_own() -> None:
    claim = _claim("fast", "ReadWriteMany")
    wanted = desired(_spec(storage={"pvc": {"claim": "fast"}}), claim)
    assert wanted.settings.volume == "volumes/fast"
    assert wanted.storage == {"pvc": {"claim": "fast"}}


def test_a_read_write_once_claim_allows_one_replica() -> None:
    claim = _claim("block", "ReadWriteOnce")
    problems = desired(_spec(storage={"pvc": {"claim": "block"}}, replicas=2), claim).problems
    assert problems and "one replica at a time" in problems[0]
    assert desired(_spec(storage={"pvc": {"claim": "block"}}, replicas=1), claim).problems == []


def test_empty_dir_is_memory_and_allows_one_replica_only() -> None:
    assert desired(_spec(storage={"emptyDir": {}})).settings.storage == "memory"
    problems = desired(_spec(storage={"emptyDir": {}}, replicas=2)).problems
    assert problems and "set spec.replicas to 1 (it is 2)" in problems[0]


def test_storage_this_registry_cannot_use_yet_is_a_problem_that_says_so() -> None:
    problems = desired(_spec(storage={"swift": {"container": "c"}})).problems
    assert problems == [
        "spec.storage.swift: this registry cannot use swift storage yet; "
        "use pvc, emptyDir, s3, azure or gcs"
    ]
    assert "no storage type is set" in desired(_spec()).problems[0]
    missing = desired(_spec(storage={"pvc": {"claim": "mine"}})).problems[0]
    assert 'persistentvolumeclaims "mine" not found' in missing


S3_SPEC = {"s3": {"bucket": "b", "regionEndpoint": "http://127.0.0.1:9000"}}


def _s3(secret_key: str = "secret", problem: str | None = None) -> CheckedStorage:
    return CheckedStorage(S3Location("b", access_key="key", secret_key=secret_key), problem)


def test_s3_storage_runs_the_replicas_on_the_checked_bucket() -> None:
    wanted = desired(_spec(storage=S3_SPEC), cloud=_s3())
    assert wanted.settings.storage == "s3"
    assert wanted.settings.cloud == _s3().location
    assert wanted.storage == S3_SPEC
    assert wanted.problems == []


def test_a_bucket_that_cannot_be_used_is_a_problem_in_its_own_words() -> None:
    wanted = desired(_spec(storage=S3_SPEC), cloud=_s3(problem="the S3 bucket 'b' does not exist"))
    assert wanted.problems == ["spec.storage.s3: the S3 bucket 'b' does not exist"]


def test_new_s3_credentials_are_a_new_revision_without_showing_them() -> None:
    before = desired(_spec(storage=S3_SPEC), cloud=_s3()).settings
    after = desired(_spec(storage=S3_SPEC), cloud=_s3(secret_key="rotated")).settings
    assert after.revision != before.revision
    assert "rotated" not in repr(after)


def test_every_setting_a_replica_runs_with_changes_its_revision() -> None:
    base = desired(_spec(storage={"pvc": {}}), SHARED).settings
    changes: list[dict[str, object]] = [
        {"readOnly": True},
        {"logLevel": "Debug"},
        {"httpSecret": "cd" * 32},
        {"requests": {"read": {"maxRunning": 1}}},
        {"requests": {"write": {"maxRunning": 1, "maxWaitInQueue": "1s"}}},
    ]
    for change in changes:
        changed = desired(_spec(storage={"pvc": {}}, **change), SHARED).settings
        assert changed.revision != base.revision
    more = desired(_spec(storage={"pvc": {}}, replicas=3), SHARED).settings
    assert more.revision == base.revision


def test_a_hex_secret_stands_for_its_bytes_and_any_other_for_its_text() -> None:
    assert secret_bytes("00ff") == b"\x00\xff"
    assert secret_bytes("not hex!") == b"not hex!"


def test_request_limits_reach_the_replicas_with_their_wait_in_seconds() -> None:
    read = {"maxRunning": 4, "maxInQueue": 10, "maxWaitInQueue": "1m30s"}
    settings = desired(_spec(requests={"read": read, "write": {"maxRunning": 1}})).settings
    assert settings.read_limits == RequestLimits(max_running=4, max_in_queue=10, max_wait=90.0)
    assert settings.write_limits == RequestLimits(max_running=1, max_in_queue=0, max_wait=None)


def test_no_running_limit_is_no_limit_and_no_wait_limit_is_waiting_as_long_as_it_takes() -> None:
    unlimited = {"maxRunning": 0, "maxInQueue": 5, "maxWaitInQueue": "10s"}
    settings = desired(_spec(requests={"read": unlimited})).settings
    assert settings.read_limits is None and settings.write_limits is None
    assert desired(_spec()).settings.read_limits is None
    forever = {"maxRunning": 1, "maxInQueue": 1, "maxWaitInQueue": "0s"}
    assert desired(_spec(requests={"write": forever})).settings.write_limits == RequestLimits(1, 1)
