"""The metered blob store: each operation of the driver it wraps is timed, each failure
counted by its code (imageregistry_storage_duration_seconds, _errors_total)."""

import asyncio
from pathlib import Path

import pytest

from moorage.observability.metrics import STORAGE_DURATION, STORAGE_ERRORS, Metrics
from moorage.storage.filesystem import FilesystemBlobStore
from moorage.storage.metered import MeteredBlobStore
from tests.storage.test_blob_store_contract import collect, digest_of

DATA = b"metered bytes"


def test_operations_are_timed_and_failures_counted_by_code(tmp_path: Path) -> None:
    metrics = Metrics()
    store = MeteredBlobStore(FilesystemBlobStore(tmp_path / "blobs"), metrics)
    missing = digest_of(b"never stored")

    async def work() -> None:
        await store.write(digest_of(DATA), DATA)
        assert await store.read(digest_of(DATA)) == DATA
        assert await collect(store.stream(digest_of(DATA), 0, len(DATA))) == DATA
        with pytest.raises(FileNotFoundError):
            await store.read(missing)

    asyncio.run(work())
    durations = metrics.samples[STORAGE_DURATION.name]
    assert {labels: count for labels, (count, _) in durations.items()} == {
        ("write",): 1,
        ("read",): 2,
        ("stream",): 1,
    }
    assert all(seconds > 0 for _, seconds in durations.values())
    assert metrics.samples[STORAGE_ERRORS.name] == {("read", "ENOENT"): [1.0]}
