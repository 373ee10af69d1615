"""The store behaves the same on SQLite and PostgreSQL: schema, order, and concurrent writers."""

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, insert, select

from moorage.store.database import DatabaseUrlError, database_url, masked
from moorage.store.errors import AlreadyExists, Conflict
from moorage.store.registry_metadata import RegistryMetadata
from moorage.store.resources import Ref, ResourceStore
from moorage.store.schema import metadata, repositories, repository_blobs, tags

THREADS = 8
DIGEST = "sha256:" + "ab" * 32


@pytest.fixture
def registry_metadata(engine: Engine) -> Iterator[RegistryMetadata]:
    store = RegistryMetadata(engine)
    yield store
    store.close()


def at_once(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..count-1) in threads released together; each result or the exception raised."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = work(index)
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_the_migrations_create_exactly_the_schema(engine: Engine) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_migrating_again_changes_nothing(engine: Engine) -> None:
    from moorage.store.database import migrate

    migrate(engine)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1


def test_tags_and_the_catalog_are_in_bytewise_order_whatever_the_locale(
    engine: Engine, registry_metadata: RegistryMetadata
) -> None:
    names = ["a_b", "a-b", "a.b", "ab", "aB", "B", "a0", "Z"]
    with engine.begin() as conn:
        repo_ids = [
            conn.execute(
                insert(repositories).values(name=f"order/{n.lower()}{i}", created_at=0.0)
            ).inserted_primary_key[0]
            for i, n in enumerate(names)
        ]
        conn.execute(
            insert(tags),
            [
                {"repository_id": repo_ids[0], "name": n, "digest": DIGEST, "updated_at": 0.0}
                for n in names
            ],
        )
    store = registry_metadata
    first = f"order/{names[0].lower()}0"
    assert store.tags(first, None, None) == sorted(names)
    assert store.tags(first, 3, "a.b") == sorted(n for n in names if n > "a.b")[:3]
    catalog = store.catalog(None, None)
    assert catalog == sorted(catalog)


def test_reads_on_the_request_path_see_every_commit_at_once(
    registry_metadata: RegistryMetadata,
) -> None:
    store = registry_metadata
    assert not store.repository_exists("fresh/repo")
    assert store.blob_size("fresh/repo", DIGEST) is None
    store.link_blob("fresh/repo", DIGEST, 42)
    assert store.repository_exists("fresh/repo")
    assert store.blob_size("fresh/repo", DIGEST) == 42


def test_concurrent_pushes_to_a_new_repository_create_it_once(
    engine: Engine, registry_metadata: RegistryMetadata
) -> None:
    store = registry_metadata
    for round_ in range(5):
        name = f"race/r{round_}"
        results = at_once(
            THREADS, lambda i, name=name: store.link_blob(name, f"sha256:{i:064x}", i + 1)
        )
        assert [r for r in results if isinstance(r, Exception)] == []
        with engine.connect() as conn:
            count = conn.execute(
                select(func.count()).select_from(repositories).where(repositories.c.name == name)
            ).scalar()
            linked = conn.execute(
                select(func.count())
                .select_from(repository_blobs)
                .join(repositories)
                .where(repositories.c.name == name)
            ).scalar()
        assert (count, linked) == (1, THREADS)


def config_map(name: str, data: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def test_concurrent_creates_of_one_object_let_exactly_one_win(engine: Engine) -> None:
    store = ResourceStore(engine)
    ref = Ref("", "configmaps", "default", "once")

    def create(i: int) -> dict[str, Any]:
        with store.transaction() as tx:
            return tx.create(ref, config_map("once", {"by": str(i)}))

    results = at_once(THREADS, create)
    assert sum(isinstance(r, dict) for r in results) == 1
    assert all(isinstance(r, dict | AlreadyExists) for r in results), results


def test_concurrent_updates_from_one_version_let_exactly_one_win(engine: Engine) -> None:
    store = ResourceStore(engine)
    ref = Ref("", "configmaps", "default", "contested")
    with store.transaction() as tx:
        version = tx.create(ref, config_map("contested", {}))["metadata"]["resourceVersion"]

    def update(i: int) -> dict[str, Any]:
        with store.transaction() as tx:
            return tx.update(ref, config_map("contested", {"by": str(i)}), version)

    results = at_once(THREADS, update)
    assert sum(isinstance(r, dict) for r in results) == 1
    assert all(isinstance(r, dict | Conflict) for r in results), results


def test_read_modify_write_transactions_lose_no_update(engine: Engine) -> None:
    store = ResourceStore(engine)
    ref = Ref("", "configmaps", "default", "counter")
    with store.transaction() as tx:
        tx.create(ref, config_map("counter", {"n": "0"}))

    def increment(_: int) -> None:
        with store.transaction() as tx:
            current = tx.require(ref)
            time.sleep(0.01)  # widen the window another writer could slip into
            tx.update(ref, config_map("counter", {"n": str(int(current["data"]["n"]) + 1)}))

    assert [r for r in at_once(THREADS, increment) if r is not None] == []
    with store.reading() as tx:
        assert tx.require(ref)["data"]["n"] == str(THREADS)


def test_resource_versions_are_committed_in_order(engine: Engine) -> None:
    store = ResourceStore(engine)

    def create(i: int) -> int:
        with store.transaction() as tx:
            obj = tx.create(Ref("", "configmaps", "ordered", f"c{i}"), config_map(f"c{i}", {}))
            return int(obj["metadata"]["resourceVersion"])

    versions = at_once(THREADS, create)
    events = store.events_after(0, "", "configmaps")
    assert [e.resource_version for e in events] == sorted(versions)


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://u:pw@db/moorage", "postgresql+psycopg://u:***@db/moorage"),
        ("postgres://u:pw@db/moorage", "postgresql+psycopg://u:***@db/moorage"),
        ("postgresql+psycopg://u@db:5433/m", "postgresql+psycopg://u@db:5433/m"),
        ("sqlite:////var/lib/moorage/metadata.db", "sqlite:////var/lib/moorage/metadata.db"),
    ],
)
def test_database_urls_default_to_psycopg_and_never_show_the_password(
    given: str, used: str
) -> None:
    assert masked(database_url(given)) == used


@pytest.mark.parametrize("url", ["mysql://u:pw@db/m", "not a url"])
def test_an_unusable_database_url_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(DatabaseUrlError) as refused:
        database_url(url)
    assert "pw" not in str(refused.value)


def test_a_catalog_of_some_projects_is_in_order_and_pages(
    registry_metadata: RegistryMetadata,
) -> None:
    store = registry_metadata
    names = ["a/x", "a-b/y", "a-b/z", "ab/w", "a0/v", "b/u", "solo"]
    for name in names:
        store.link_blob(name, DIGEST, 1)
    assert store.catalog_of({"a", "a-b", "ab"}, None, None) == ["a-b/y", "a-b/z", "a/x", "ab/w"]
    assert store.catalog_of({"a", "a-b", "ab"}, 2, "a-b/y") == ["a-b/z", "a/x"]
    assert store.catalog_of({"b", "nothing"}, None, None) == ["b/u"]
    assert store.catalog_of(set(), None, None) == []
