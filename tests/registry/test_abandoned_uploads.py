"""Uploads nobody finished are removed once their ids have expired, and never sooner."""

import asyncio
import logging
import os
import time
from pathlib import Path

import pytest

from moorage.registry.abandoned_uploads import GRACE, sweep_abandoned_uploads
from moorage.registry.uploads import UPLOAD_LIFETIME
from moorage.storage.base import Swept
from moorage.storage.filesystem import FilesystemBlobStore


@pytest.fixture
def store(tmp_path: Path) -> FilesystemBlobStore:
    return FilesystemBlobStore(tmp_path)


async def upload(store: FilesystemBlobStore, key: str, data: bytes) -> None:
    await store.start_upload(key)
    writer = store.upload_writer(key)
    writer.append(data)
    await writer.close()


def test_an_upload_unwritten_past_its_lifetime_is_removed_and_its_bytes_freed(
    store: FilesystemBlobStore, caplog: pytest.LogCaptureFixture
) -> None:
    asyncio.run(upload(store, "abandoned", os.urandom(4096)))
    caplog.set_level(logging.INFO, logger="moorage.registry")
    swept = asyncio.run(
        sweep_abandoned_uploads(store, clock=lambda: time.time() + UPLOAD_LIFETIME + GRACE + 1)
    )
    assert swept == Swept(uploads=1, bytes=4096)
    assert list((store.root / "uploads").iterdir()) == []
    assert "removed 1 abandoned uploads, freeing 4096 bytes" in caplog.text


def test_an_upload_within_its_lifetime_and_grace_is_kept(store: FilesystemBlobStore) -> None:
    asyncio.run(upload(store, "fresh", b"bytes"))
    swept = asyncio.run(sweep_abandoned_uploads(store, clock=lambda: time.time() + UPLOAD_LIFETIME))
    assert swept == Swept(uploads=0, bytes=0)
    assert asyncio.run(store.upload_size("fresh")) == 5


def test_sweeps_racing_a_live_upload_never_remove_it(store: FilesystemBlobStore) -> None:
    """Its id is at the end of its lifetime, but bytes are still arriving."""
    chunks = [os.urandom(1024) for _ in range(200)]

    async def write_while_sweeping() -> list[Swept]:
        await store.start_upload("live")
        writer = store.upload_writer("live")
        sweeps = [
            asyncio.create_task(
                sweep_abandoned_uploads(store, clock=lambda: time.time() + UPLOAD_LIFETIME)
            )
            for _ in range(20)
        ]
        for chunk in chunks:
            writer.append(chunk)
            await asyncio.sleep(0)
        await writer.close()
        return await asyncio.gather(*sweeps)

    assert all(swept.uploads == 0 for swept in asyncio.run(write_while_sweeping()))
    assert asyncio.run(store.upload_size("live")) == 200 * 1024
