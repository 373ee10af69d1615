"""A blob on its way from another registry is downloaded once, into a spool file every
request for it reads as it grows; only verified bytes are kept; a failure reaches every
reader; a download another process runs is followed, not repeated; a spool file a dead
process left is taken over; another repository's download of the same blob is its own."""

import asyncio
import fcntl
import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from moorage.content.errors import BlobUnknown, RegistryError
from moorage.registry import blob_mirrors
from moorage.registry.blob_mirrors import BlobMirrors, Fetch
from moorage.storage.base import StorageUnavailable

BLOB = bytes(range(256)) * 4096  # 1 MiB
DIGEST = "sha256:" + hashlib.sha256(BLOB).hexdigest()
REPOSITORY = "project/app"


@dataclass
class Upstream:
    """Sends `data` in 64 KiB chunks, `pause` seconds apart; counts the downloads asked."""

    data: bytes = BLOB
    pause: float = 0.0
    fail_after: int | None = None  # chunks sent before the connection breaks
    downloads: int = 0
    kept: list[bytes] = field(default_factory=list)

    def download(self, write: Callable[[bytes], None]) -> None:
        self.downloads += 1
        for number, start in enumerate(range(0, len(self.data), 65536)):
            if number == self.fail_after:
                raise ConnectionError("the registry went away")
            write(self.data[start : start + 65536])
            time.sleep(self.pause)

    async def keep(self, chunks: AsyncIterator[bytes]) -> None:
        self.kept.append(b"".join([chunk async for chunk in chunks]))

    def fetch(self, repository: str = REPOSITORY) -> Fetch:
        return Fetch(
            repository, DIGEST, len(BLOB), self.download, self.keep, _failure, lambda: False
        )


def _failure(exc: Exception) -> RegistryError:
    return BlobUnknown(f"unable to pull blob: {exc}")


async def _read(
    mirrors: BlobMirrors, fetch: Fetch, offset: int = 0, length: int = len(BLOB)
) -> bytes:
    chunks = mirrors.read(fetch, offset, length)
    assert chunks is not None
    return b"".join([chunk async for chunk in chunks])


async def _settled(spool: Path) -> None:
    """Until the downloads started have ended: each removes its spool file last."""
    deadline = time.monotonic() + 30
    while any(spool.iterdir()):
        assert time.monotonic() < deadline, "a download never ended"
        await asyncio.sleep(0.01)


def test_readers_of_one_blob_share_one_download_and_the_bytes_are_kept_once(
    tmp_path: Path,
) -> None:
    upstream = Upstream(pause=0.005)

    async def scenario() -> list[bytes]:
        mirrors = BlobMirrors(tmp_path)
        fetch = upstream.fetch()
        read = await asyncio.gather(*[_read(mirrors, fetch) for _ in range(4)])
        await _settled(tmp_path)
        return read

    assert asyncio.run(scenario()) == [BLOB] * 4
    assert upstream.downloads == 1
    assert upstream.kept == [BLOB]


def test_a_range_is_served_while_the_download_runs(tmp_path: Path) -> None:
    upstream = Upstream(pause=0.005)

    async def scenario() -> bytes:
        mirrors = BlobMirrors(tmp_path)
        part = await _read(mirrors, upstream.fetch(), 700_000, 1000)
        await _settled(tmp_path)
        return part

    assert asyncio.run(scenario()) == BLOB[700_000:701_000]


def test_a_failed_download_reaches_every_reader_and_the_next_read_starts_again(
    tmp_path: Path,
) -> None:
    upstream = Upstream(pause=0.002, fail_after=3)

    async def scenario() -> list[BaseException | bytes]:
        mirrors = BlobMirrors(tmp_path)
        fetch = upstream.fetch()
        outcomes = await asyncio.gather(
            *[_read(mirrors, fetch) for _ in range(3)], return_exceptions=True
        )
        await _settled(tmp_path)
        upstream.fail_after = None
        outcomes.append(await _read(mirrors, fetch))
        await _settled(tmp_path)
        return outcomes

    *failed, recovered = asyncio.run(scenario())
    assert all(isinstance(f, RegistryError) and "went away" in f.message for f in failed)
    assert recovered == BLOB
    assert upstream.downloads == 2
    assert upstream.kept == [BLOB]


def test_bytes_that_are_not_the_digest_are_never_kept(tmp_path: Path) -> None:
    upstream = Upstream(data=bytes(len(BLOB)))

    async def scenario() -> None:
        mirrors = BlobMirrors(tmp_path)
        chunks = mirrors.read(upstream.fetch(), 0, len(BLOB))
        assert chunks is not None
        async for _ in chunks:
            pass
        await _settled(tmp_path)

    asyncio.run(scenario())
    assert upstream.kept == []


def test_a_spool_file_a_dead_process_left_is_taken_over(tmp_path: Path) -> None:
    upstream = Upstream()

    async def scenario() -> bytes:
        mirrors = BlobMirrors(tmp_path)  # the other process dies after this one started
        (tmp_path / upstream.fetch().spool_name).write_bytes(b"half of something else")
        read = await _read(mirrors, upstream.fetch())
        await _settled(tmp_path)
        return read

    assert asyncio.run(scenario()) == BLOB
    assert upstream.kept == [BLOB]


# Holds the spool file's lock, as another replica's download does, and writes the blob slowly.
_OTHER_REPLICA = """
import fcntl, os, sys, time
blob = bytes(range(256)) * 4096
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
for start in range(0, len(blob), 262144):
    os.pwrite(fd, blob[start : start + 262144], start)
    time.sleep(0.05)
"""


def test_a_download_another_process_runs_is_followed_not_repeated(tmp_path: Path) -> None:
    spool = tmp_path / Upstream().fetch().spool_name
    command = [sys.executable, "-c", _OTHER_REPLICA, str(spool)]
    upstream = Upstream()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as other:
        assert other.stdout is not None and other.stdout.readline().strip() == "locked"
        read = asyncio.run(_read(BlobMirrors(tmp_path), upstream.fetch()))
    assert read == BLOB
    assert upstream.downloads == 0


def test_a_blob_stored_meanwhile_is_not_downloaded(tmp_path: Path) -> None:
    upstream = Upstream()
    stored = replace(upstream.fetch(), stored=lambda: True)

    async def scenario() -> object:
        return BlobMirrors(tmp_path).read(stored, 0, len(BLOB))

    assert asyncio.run(scenario()) is None
    assert upstream.downloads == 0


def test_a_blob_another_repository_is_downloading_is_not_read_from_that_download(
    tmp_path: Path,
) -> None:
    """Its own registry may not have it: that one's failure is its readers' alone."""
    theirs, ours = Upstream(pause=0.005), Upstream(data=b"")

    async def scenario() -> tuple[bytes, Exception | None]:
        mirrors = BlobMirrors(tmp_path)
        downloading = asyncio.create_task(_read(mirrors, theirs.fetch("other/private")))
        await asyncio.sleep(0)
        try:
            await _read(mirrors, ours.fetch("mine/app"))
        except BlobUnknown as exc:
            return await downloading, exc
        return await downloading, None

    read, failed = asyncio.run(scenario())
    assert read == BLOB and isinstance(failed, BlobUnknown)
    assert theirs.downloads == ours.downloads == 1


def test_a_blob_the_volume_cannot_hold_is_refused_before_any_download(tmp_path: Path) -> None:
    upstream = Upstream()
    huge = replace(upstream.fetch(), size=1 << 60)

    async def scenario() -> None:
        with pytest.raises(StorageUnavailable):
            BlobMirrors(tmp_path).read(huge, 0, huge.size)

    asyncio.run(scenario())
    assert upstream.downloads == 0 and not any(tmp_path.iterdir())


def test_settling_a_blob_waits_until_it_is_kept_and_fails_as_its_download_does(
    tmp_path: Path,
) -> None:
    kept, broken = Upstream(pause=0.002), Upstream(fail_after=3)

    async def scenario() -> None:
        mirrors = BlobMirrors(tmp_path)
        await mirrors.settle(replace(kept.fetch(), stored=lambda: bool(kept.kept)))
        assert kept.kept == [BLOB]
        with pytest.raises(BlobUnknown):
            await mirrors.settle(broken.fetch("other/app"))

    asyncio.run(scenario())


def test_spool_files_no_download_holds_are_removed_when_a_worker_starts(tmp_path: Path) -> None:
    """A process stopped or killed mid-download leaves its file; another's running stays."""
    left, running = tmp_path / "left", tmp_path / "running"
    left.write_bytes(b"half of a layer")
    held = os.open(running, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        BlobMirrors(tmp_path)
        assert sorted(tmp_path.iterdir()) == [running]
    finally:
        os.close(held)


def test_a_download_waiting_for_a_thread_has_not_stalled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every download thread busy with a slow registry: the next blob's readers wait for
    its turn, however long, instead of giving it up as a registry that stopped sending."""
    monkeypatch.setattr(blob_mirrors, "STALL_SECONDS", 0.1)
    release = threading.Event()
    slow = [
        Fetch(f"slow/{n}", DIGEST, len(BLOB), _held(release), _ignored, _failure, lambda: False)
        for n in range(blob_mirrors.DOWNLOADS_AT_ONCE)
    ]
    upstream = Upstream()

    async def scenario() -> bytes:
        mirrors = BlobMirrors(tmp_path)
        for fetch in slow:
            assert mirrors.read(fetch, 0, 0) is not None
        waiting = asyncio.create_task(_read(mirrors, upstream.fetch()))
        await asyncio.sleep(0.3)  # well past STALL_SECONDS
        release.set()
        return await waiting

    assert asyncio.run(scenario()) == BLOB


def _held(release: threading.Event) -> Callable[[Callable[[bytes], None]], None]:
    def download(_write: Callable[[bytes], None]) -> None:
        release.wait()
        raise ConnectionError("given up")

    return download


async def _ignored(chunks: AsyncIterator[bytes]) -> None:
    raise AssertionError("nothing is kept")


def test_a_project_whose_registry_holds_its_downloads_leaves_threads_to_the_others(
    tmp_path: Path,
) -> None:
    """The hog's registry sends nothing until released; it asks for a download per thread.
    Another project's blob still comes in full while every one of the hog's waits."""
    released = threading.Event()

    def held(write: Callable[[bytes], None]) -> None:
        released.wait(30)
        write(BLOB)

    hogging = [
        replace(Upstream().fetch(f"hog/app{n}"), download=held)
        for n in range(blob_mirrors.DOWNLOADS_AT_ONCE)
    ]
    other = Upstream()

    async def scenario() -> tuple[bytes, bool, list[bytes]]:
        mirrors = BlobMirrors(tmp_path)
        hogs = [asyncio.ensure_future(_read(mirrors, fetch)) for fetch in hogging]
        await asyncio.sleep(0.1)  # every one of the hog's downloads asked for
        theirs = await asyncio.wait_for(_read(mirrors, other.fetch("other/app")), 30)
        hog_done_before = any(hog.done() for hog in hogs)
        released.set()
        return theirs, hog_done_before, await asyncio.gather(*hogs)

    theirs, hog_done_before, hogs = asyncio.run(scenario())
    assert theirs == BLOB and not hog_done_before
    assert hogs == [BLOB] * blob_mirrors.DOWNLOADS_AT_ONCE
