"""A push and the collector serialise on the blob's row (and a manifest's links): whichever
locks first, the other sees its outcome, and a push never acknowledges what the collector took.

Each test holds the collector's half of a transaction open, starts the push's half in a
thread, and commits only once PostgreSQL shows that thread waiting for a lock (SQLite's
IMMEDIATE transaction blocks it the same way, unobserved).
"""

import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, delete, text, update

from moorage.content.errors import ManifestBlobUnknown
from moorage.content.manifest import PushedManifest, parse_manifest
from moorage.store import tags
from moorage.store.blob_rows import BlobState, lock_blob
from moorage.store.database import row_locking
from moorage.store.errors import Conflict
from moorage.store.registry_metadata import RegistryMetadata
from moorage.store.schema import blobs, manifest_references, manifests, repository_blobs
from tests.support.images import OCI_MANIFEST, digest_of, image

LAYER = b"layer" * 10


@pytest.fixture
def metadata(engine: Engine) -> Iterator[RegistryMetadata]:
    opened = RegistryMetadata(engine)
    yield opened
    opened.close()


def race(engine: Engine, collector: Callable[[Connection], None], push: Callable[[], Any]) -> Any:
    """Run `push` while the collector's change is made but not committed: what it returned or
    raised."""
    result: list[Any] = []

    def run() -> None:
        try:
            result.append(push())
        except Exception as exc:
            result.append(exc)

    thread = threading.Thread(target=run)
    with row_locking(engine).begin() as conn:
        collector(conn)
        thread.start()
        wait_for_a_lock_wait(engine)
    thread.join(60)
    return result[0]


def wait_for_a_lock_wait(engine: Engine) -> None:
    """On PostgreSQL: until another session waits for a lock (the push is blocked)."""
    if engine.dialect.name != "postgresql":
        return
    query = text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
    for _ in range(600):
        with engine.connect() as conn:
            if conn.execute(query).scalar():
                return
        time.sleep(0.05)
    raise AssertionError("the push never waited for the collector's lock")


def push_layer(metadata: RegistryMetadata, repository: str, data: bytes) -> None:
    assert metadata.link_blob(repository, digest_of(data), len(data))


def test_a_link_waiting_for_the_collectors_mark_is_refused(
    engine: Engine, metadata: RegistryMetadata
) -> None:
    push_layer(metadata, "p/app", LAYER)
    assert metadata.unlink_blob("p/app", digest_of(LAYER))

    def mark(conn: Connection) -> None:
        assert lock_blob(conn, digest_of(LAYER)) is not None
        marking = update(blobs).where(blobs.c.digest == digest_of(LAYER))
        conn.execute(marking.values(deleting_since=time.time()))

    assert race(engine, mark, lambda: metadata.link_blob("p/other", digest_of(LAYER))) is False
    assert metadata.blob_state(digest_of(LAYER)) is BlobState.DELETING


def test_a_manifest_put_waiting_for_a_link_the_collector_deletes_fails_cleanly(
    engine: Engine, metadata: RegistryMetadata
) -> None:
    img = image(layers=1)
    for data in img.blobs:
        push_layer(metadata, "p/app", data)
    manifest = parse_manifest(img.manifest, OCI_MANIFEST)
    pushed = PushedManifest(img.digest, len(img.manifest), manifest, json.loads(img.config))

    def drop_layer_link(conn: Connection) -> None:
        where = (repository_blobs.c.digest == digest_of(img.layers[0]),)
        conn.execute(delete(repository_blobs).where(*where))

    putting = race(
        engine, drop_layer_link, lambda: metadata.put_manifest("p/app", pushed, "v1", written=True)
    )
    assert isinstance(putting, ManifestBlobUnknown)
    assert metadata.tagged_manifest("p/app", "v1") is None


def test_tagging_an_image_whose_blobs_the_collector_marks_meanwhile_links_none_of_them(
    engine: Engine, metadata: RegistryMetadata
) -> None:
    """The image is deleted from its repository, its links dropped and its blobs marked while
    another project tags it: the tag is refused, never left linking bytes being deleted."""
    img = image(layers=1)
    for data in img.blobs:
        push_layer(metadata, "p/app", data)
    manifest = parse_manifest(img.manifest, OCI_MANIFEST)
    pushed = PushedManifest(img.digest, len(img.manifest), manifest, json.loads(img.config))
    metadata.put_manifest("p/app", pushed, "v1", written=True)
    everything = [*img.blobs, img.manifest]

    def delete_and_mark(conn: Connection) -> None:
        for table in (manifest_references, manifests, repository_blobs):
            conn.execute(delete(table))
        for data in everything:
            assert lock_blob(conn, digest_of(data)) is not None
            marking = update(blobs).where(blobs.c.digest == digest_of(data))
            conn.execute(marking.values(deleting_since=time.time()))

    def tag_into_another_project() -> None:
        with row_locking(engine).begin() as conn:
            source = tags.repository_id(conn, "p/app")
            target = tags.repository_id(conn, "q/app", create=True)
            assert source is not None and target is not None
            tags.link_manifest(conn, source, target, img.digest)

    tagged = race(engine, delete_and_mark, tag_into_another_project)
    assert tagged is None or isinstance(tagged, Conflict)  # SQLite: it found no image to tag
    with engine.connect() as conn:
        assert conn.execute(repository_blobs.select()).all() == []
