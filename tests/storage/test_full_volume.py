"""The filesystem driver on a volume that runs out of space: the error reaches the caller
as ENOSPC, and nothing partial is left holding the space."""

import asyncio
import errno
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from moorage.storage.filesystem import FilesystemBlobStore
from moorage.storage.full import out_of_space
from tests.storage.test_blob_store_contract import digest_of
from tests.support.volumes import MiB, fill, free_bytes, small_volume


@pytest.fixture
def volume(tmp_path: Path) -> Iterator[Path]:
    with small_volume(tmp_path / "volume", 2) as path:
        yield path


@pytest.fixture
def store(volume: Path) -> FilesystemBlobStore:
    return FilesystemBlobStore(volume / "blobs")


def test_an_upload_larger_than_the_volume_fails_with_enospc(
    volume: Path, store: FilesystemBlobStore
) -> None:
    asyncio.run(store.start_upload("u1"))
    free = free_bytes(volume)
    writer = store.upload_writer("u1")
    with pytest.raises(OSError) as raised:
        writer.append(os.urandom(3 * MiB))
    asyncio.run(writer.close())
    assert raised.value.errno == errno.ENOSPC and out_of_space(raised.value)
    assert free_bytes(volume) == 0
    asyncio.run(store.abort_upload("u1"))
    assert free_bytes(volume) == free


def test_content_that_does_not_fit_leaves_no_partial_file(
    volume: Path, store: FilesystemBlobStore
) -> None:
    free = free_bytes(volume)
    data = os.urandom(3 * MiB)
    with pytest.raises(OSError) as raised:
        asyncio.run(store.write(digest_of(data), data))
    assert out_of_space(raised.value)
    assert list((store.root / "tmp").iterdir()) == []
    assert asyncio.run(store.exists(digest_of(data))) is False
    assert free_bytes(volume) == free


def test_the_store_writes_again_once_space_is_freed(
    volume: Path, store: FilesystemBlobStore
) -> None:
    fill(volume / "filler")
    data = b'{"schemaVersion": 2}'
    with pytest.raises(OSError) as raised:
        asyncio.run(store.write(digest_of(data), data))
    assert out_of_space(raised.value)
    (volume / "filler").unlink()
    asyncio.run(store.write(digest_of(data), data))
    assert asyncio.run(store.read(digest_of(data))) == data
