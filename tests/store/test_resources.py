"""The resource store: one change log gives every object its resourceVersion and feeds watches.

`engine` (tests/store/conftest.py) is a freshly migrated database: a temporary
SQLite file, and a PostgreSQL database when PostgreSQL is installed.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, insert

from moorage.store.database import migrate, open_engine, sqlite_url
from moorage.store.errors import AlreadyExists, Conflict, Gone, NotFound
from moorage.store.resources import Object, Ref, ResourceStore
from moorage.store.schema import resource_events


@pytest.fixture
def store(engine: Engine) -> Iterator[ResourceStore]:
    opened = ResourceStore(engine)
    yield opened
    opened.close()


def configmap(namespace: str, name: str, **data: str) -> tuple[Ref, Object]:
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}
    body["metadata"]["namespace"] = namespace
    return Ref("", "configmaps", namespace, name), body


def namespace(name: str) -> tuple[Ref, Object]:
    return Ref("", "namespaces", "", name), {"kind": "Namespace", "metadata": {"name": name}}


def version(obj: Object) -> int:
    return int(obj["metadata"]["resourceVersion"])


def test_create_sets_uid_timestamp_generation_and_version(store: ResourceStore) -> None:
    with store.transaction() as tx:
        created = tx.create(*configmap("ns", "a"))
    meta = created["metadata"]
    assert meta["uid"] and meta["creationTimestamp"] and meta["generation"] == 1
    with store.reading() as tx:
        assert tx.require(Ref("", "configmaps", "ns", "a")) == created


def test_resource_versions_strictly_increase_across_kinds_and_verbs(store: ResourceStore) -> None:
    seen = []
    with store.transaction() as tx:
        seen.append(version(tx.create(*namespace("ns"))))
        seen.append(version(tx.create(*configmap("ns", "a"))))
        seen.append(version(tx.create(Ref("", "secrets", "ns", "s"), {"metadata": {"name": "s"}})))
    with store.transaction() as tx:
        ref, body = configmap("ns", "a", k="v")
        seen.append(version(tx.update(ref, body)))
        seen.append(version(tx.create(*namespace("other"))))
        seen.append(version(tx.delete(ref)))
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    with store.reading() as tx:
        assert tx.latest_version() == seen[-1]


def test_events_after_returns_one_kinds_changes_in_order(store: ResourceStore) -> None:
    with store.transaction() as tx:
        start = tx.latest_version()
        tx.create(*configmap("ns", "a"))
        tx.create(*namespace("unrelated"))
        tx.create(*configmap("ns", "b"))
    with store.transaction() as tx:
        tx.update(*configmap("ns", "a", k="v"))
        tx.delete(Ref("", "configmaps", "ns", "b"))
    events = store.events_after(start, "", "configmaps")
    assert [(e.type, e.object["metadata"]["name"]) for e in events] == [
        ("ADDED", "a"),
        ("ADDED", "b"),
        ("MODIFIED", "a"),
        ("DELETED", "b"),
    ]
    assert [e.resource_version for e in events] == [version(e.object) for e in events]
    assert events[2].object["data"] == {"k": "v"}
    assert {e.namespace for e in events} == {"ns"}


def test_events_after_a_version_leaves_out_what_came_before(store: ResourceStore) -> None:
    with store.transaction() as tx:
        first = tx.create(*configmap("ns", "a"))
        tx.create(*configmap("ns", "b"))
    events = store.events_after(version(first), "", "configmaps")
    assert [e.object["metadata"]["name"] for e in events] == ["b"]
    assert store.events_after(events[-1].resource_version, "", "configmaps") == []


def test_events_after_pages_with_a_limit(store: ResourceStore) -> None:
    with store.transaction() as tx:
        for index in range(5):
            tx.create(*configmap("ns", f"cm{index}"))
    first = store.events_after(0, "", "configmaps", limit=2)
    rest = store.events_after(first[-1].resource_version, "", "configmaps", limit=10)
    names = [e.object["metadata"]["name"] for e in first + rest]
    assert names == [f"cm{index}" for index in range(5)]


def test_after_trimming_an_old_version_is_gone_and_a_recent_one_is_not(
    store: ResourceStore,
) -> None:
    with store.transaction() as tx:
        old = version(tx.create(*configmap("ns", "a")))
        for index in range(4):
            tx.create(*configmap("ns", f"b{index}"))
        newest = tx.latest_version()
    store.trim_events(keep=2)
    with pytest.raises(Gone) as raised:
        store.events_after(old, "", "configmaps")
    assert raised.value.reason == "Expired"  # sent as a 410 ERROR event on a watch
    kept = store.events_after(newest - 2, "", "configmaps")
    assert [e.resource_version for e in kept] == [newest - 1, newest]


def test_trimming_keeps_everything_when_the_log_is_short(store: ResourceStore) -> None:
    with store.transaction() as tx:
        first = version(tx.create(*configmap("ns", "a")))
    store.trim_events(keep=10)
    assert [e.resource_version for e in store.events_after(first - 1, "", "configmaps")] == [first]


def test_versions_keep_increasing_after_trimming(store: ResourceStore) -> None:
    with store.transaction() as tx:
        for index in range(3):
            tx.create(*configmap("ns", f"cm{index}"))
        before = tx.latest_version()
    store.trim_events(keep=1)
    with store.transaction() as tx:
        assert version(tx.create(*configmap("ns", "later"))) > before


def test_update_with_a_stale_version_is_a_conflict_and_changes_nothing(
    store: ResourceStore,
) -> None:
    with store.transaction() as tx:
        created = tx.create(*configmap("ns", "a", k="1"))
    with store.transaction() as tx:
        tx.update(*configmap("ns", "a", k="2"))
    with pytest.raises(Conflict), store.transaction() as tx:
        tx.update(*configmap("ns", "a", k="3"), created["metadata"]["resourceVersion"])
    with store.reading() as tx:
        assert tx.require(Ref("", "configmaps", "ns", "a"))["data"] == {"k": "2"}


def test_update_keeps_identity_and_counts_spec_changes_in_generation(
    store: ResourceStore,
) -> None:
    ref = Ref("", "namespaces", "", "ns")
    with store.transaction() as tx:
        created = tx.create(ref, {"metadata": {"name": "ns"}, "spec": {"finalizers": []}})
    with store.transaction() as tx:
        labelled = tx.update(
            ref, {"metadata": {"name": "ns", "labels": {"a": "b"}}, "spec": {"finalizers": []}}
        )
        respecced = tx.update(ref, {"metadata": {"name": "ns"}, "spec": {"finalizers": ["x"]}})
    assert labelled["metadata"]["generation"] == 1
    assert respecced["metadata"]["generation"] == 2
    assert respecced["metadata"]["uid"] == created["metadata"]["uid"]
    assert respecced["metadata"]["creationTimestamp"] == created["metadata"]["creationTimestamp"]


def test_a_failed_transaction_records_nothing(store: ResourceStore) -> None:
    with store.transaction() as tx:
        tx.create(*configmap("ns", "a"))
        start = tx.latest_version()
    with pytest.raises(AlreadyExists), store.transaction() as tx:
        tx.create(*configmap("ns", "b"))
        tx.create(*configmap("ns", "a"))
    with store.reading() as tx:
        assert tx.get(Ref("", "configmaps", "ns", "b")) is None
        assert tx.latest_version() == start
    assert store.events_after(start, "", "configmaps") == []


def test_missing_objects_are_not_found(store: ResourceStore) -> None:
    with pytest.raises(NotFound), store.reading() as tx:
        tx.require(Ref("", "configmaps", "ns", "nope"))
    with pytest.raises(NotFound), store.transaction() as tx:
        tx.delete(Ref("", "configmaps", "ns", "nope"))


def test_list_pages_in_namespace_and_name_order(store: ResourceStore) -> None:
    with store.transaction() as tx:
        for ns, name in [("b", "x"), ("a", "y"), ("a", "x"), ("c", "z")]:
            tx.create(*configmap(ns, name))
    with store.reading() as tx:
        first = tx.list("", "configmaps", None, limit=3)
        assert first.continue_after is not None
        rest = tx.list("", "configmaps", None, limit=3, after=first.continue_after)
        in_a = tx.list("", "configmaps", "a")
    keys = [(o["metadata"]["namespace"], o["metadata"]["name"]) for o in first.items + rest.items]
    assert keys == [("a", "x"), ("a", "y"), ("b", "x"), ("c", "z")]
    assert rest.continue_after is None
    assert [o["metadata"]["name"] for o in in_a.items] == ["x", "y"]


def test_the_newest_change_is_kept_per_group_and_per_kind(store: ResourceStore) -> None:
    assert store.newest_change("rbac.authorization.k8s.io") is None
    with store.transaction() as tx:
        binding = version(
            tx.create(Ref("rbac.authorization.k8s.io", "rolebindings", "ns", "b"), {})
        )
        role = version(tx.create(Ref("rbac.authorization.k8s.io", "roles", "ns", "r"), {}))
        tx.create(*configmap("ns", "a"))
    assert store.newest_change("rbac.authorization.k8s.io") == role
    assert store.newest_change("rbac.authorization.k8s.io", "rolebindings") == binding
    with store.transaction() as tx:
        deleted = version(tx.delete(Ref("rbac.authorization.k8s.io", "rolebindings", "ns", "b")))
    assert store.newest_change("rbac.authorization.k8s.io") == deleted


def test_finding_the_newest_change_does_not_read_the_log(tmp_path: Path) -> None:
    """Counted in SQLite virtual machine steps (its progress handler), not timed."""
    engine = open_engine(sqlite_url(tmp_path / "metadata.db"))
    steps = [0]

    def step() -> int:
        steps[0] += 1
        return 0  # carry on

    event.listen(engine, "connect", lambda dbapi, _record: dbapi.set_progress_handler(step, 10))
    migrate(engine)
    store = ResourceStore(engine)

    def cost(group: str, plural: str | None = None) -> int:
        before = steps[0]
        store.newest_change(group, plural)
        return steps[0] - before

    rbac = "rbac.authorization.k8s.io"
    with store.transaction() as tx:
        tx.create(Ref(rbac, "rolebindings", "ns", "first"), {})
    short = cost(rbac), cost(rbac, "rolebindings")
    rows = [
        {
            "api_group": rbac,
            "plural": "rolebindings",
            "namespace": "ns",
            "type": "ADDED",
            "body": "{}",
        }
    ] * 20_000
    with engine.begin() as conn:
        conn.execute(insert(resource_events), rows)
    long = cost(rbac), cost(rbac, "rolebindings")
    # A deeper index costs a few steps more; reading the events would cost thousands.
    assert long[0] <= short[0] + 3 and long[1] <= short[1] + 3
    store.close()
    engine.dispose()
