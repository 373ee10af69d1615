"""Blobs on their way from another registry: each fetched once, however many ask for it.

The first request for a blob of a repository takes an exclusive lock (flock) on its spool
file, named after both, and starts the mirror: a task that downloads the blob into the
file, verifies its digest and size, then stores and links it as an upload would
be, and only then unlinks the file and lets the lock go. The mirror goes on when
the client that started it goes away. Every request for the blob, the first one
too, reads the spool file as it grows, so each client gets bytes as soon as they
arrive and the upstream is asked once.

The lock is the file's, so the same holds across the replicas of a host: a
request that cannot take the lock follows the download of whoever holds it. A
lock that nobody holds means the download ended: what is missing then is missing
for good (the mirror failed), and a mirror that died with its process (or was stopped
with it: a thread blocked on the network is not waited for) left a file that the next
request takes over, starting again, or a worker starting removes.

A download is the repository's own, never shared with another that wants the same digest:
each repository's comes from its own registries with its project's credentials, and a
manifest naming a digest must not let another project read what its download brings in.

Downloads take threads of their own, DOWNLOADS_AT_ONCE per worker, and one project at most
PER_PROJECT of them at once: a project whose registry trickles its layers slows its own
pulls, not every project's.

A manifest says how large a blob is and its registry may send that much: a download is
started only when it leaves the spool's volume above its low mark (observability/space.py)
with the downloads running here, so pull-through never takes the space pushes need.

Bytes reach a client before the digest is verified, as from any registry that
streams: a client verifies what it pulls, and nothing unverified is ever stored.
"""

import asyncio
import fcntl
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import aclosing
from dataclasses import dataclass, replace
from pathlib import Path

from moorage.content.errors import BlobUnknown, RegistryError
from moorage.observability.space import measure
from moorage.storage.base import StorageUnavailable

log = logging.getLogger("moorage.registry")

READ_CHUNK = 1 << 20
POLL_FIRST, POLL_MOST = 0.001, 0.02
# A download that sends nothing for this long is given up by those who follow it.
STALL_SECONDS = 120.0
REMEMBERED_FAILURES = 256
DOWNLOADS_AT_ONCE = 8  # per worker
PER_PROJECT = 4  # of those, for one project at most

# Fetches the blob, handing each chunk to the writer as it comes; raises on failure.
Download = Callable[[Callable[[bytes], None]], None]


@dataclass(frozen=True)
class Fetch:
    """One blob to fetch for a repository, and what to do with it."""

    repository: str
    digest: str
    size: int
    download: Download  # blocking: run on a thread
    keep: Callable[[AsyncIterator[bytes]], Awaitable[None]]  # stores and links verified bytes
    failure: Callable[[Exception], RegistryError]  # what a failed download is answered with
    stored: Callable[[], bool]  # whether the blob is stored here by now

    @property
    def spool_name(self) -> str:
        return hashlib.sha256(f"{self.repository}\n{self.digest}".encode()).hexdigest()


class BlobMirrors:
    def __init__(self, spool: Path) -> None:
        spool.mkdir(parents=True, exist_ok=True)
        _remove_left(spool)
        self._spool = spool
        self._mirrors: set[asyncio.Task[None]] = set()
        self._failed: OrderedDict[str, RegistryError] = OrderedDict()  # by spool name
        # Bytes the downloads running here may write: all of each while it runs, though what
        # it wrote already shows in the free space too (erring on the side of pushes).
        self._reserved = 0
        # Downloads hold a thread for as long as a layer takes to come: threads of their own,
        # so that the worker's other blocking calls never wait behind them. More wait here.
        self._downloads = ThreadPoolExecutor(DOWNLOADS_AT_ONCE, thread_name_prefix="mirror")
        self._queued: set[str] = set()  # spool names of downloads waiting for a turn or thread
        self._turns: dict[str, asyncio.Semaphore] = {}  # by project
        self._waiting_or_running: dict[str, int] = {}  # by project: its semaphore's users
        self._stopping = threading.Event()

    def read(self, fetch: Fetch, offset: int, length: int) -> AsyncGenerator[bytes, None] | None:
        """The blob's bytes from `offset`, as the one download of it brings them in; starts
        that download unless one is running. None when the blob is stored here by now."""
        path = self._spool / fetch.spool_name
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        if _try_lock(fd, fcntl.LOCK_EX):
            if fetch.stored():  # a download finished since the caller looked
                _unlink_if_same(path, fd)
                os.close(fd)
                return None
            if not self._room_for(fetch.size):
                _release(path, fd)
                raise StorageUnavailable(
                    f"blob {fetch.digest} ({fetch.size} bytes) cannot be fetched from its "
                    "registry now: the registry has too little space left for it"
                )
            os.ftruncate(fd, 0)  # what a download that died left is no part of this one
            reader = os.open(path, os.O_RDONLY)  # its own lock state: before the mirror can go
            self._failed.pop(fetch.spool_name, None)
            self._reserved += fetch.size
            self._queued.add(fetch.spool_name)
            task = asyncio.get_running_loop().create_task(self._mirror(fd, path, fetch))
            self._mirrors.add(task)
            task.add_done_callback(self._mirrors.discard)
            fd = reader
        return self._follow(fd, fetch, offset, length)

    async def settle(self, fetch: Fetch) -> None:
        """Until the blob is stored here, by the download this starts or the one running;
        raises as a read does when that download fails."""
        chunks = self.read(fetch, 0, fetch.size)
        if chunks is None:
            return
        async with aclosing(chunks):
            async for _ in chunks:
                pass
        pause = POLL_FIRST
        while not fetch.stored():  # all came: the download is storing it
            if not self._downloading(fetch) and not fetch.stored():
                raise self._failure_of(fetch)
            await asyncio.sleep(pause)
            pause = min(pause * 2, POLL_MOST)

    def _downloading(self, fetch: Fetch) -> bool:
        """Whether a download of the blob still holds its spool file."""
        try:
            fd = os.open(self._spool / fetch.spool_name, os.O_RDONLY)
        except FileNotFoundError:
            return False
        try:
            return not _try_lock(fd, fcntl.LOCK_SH)
        finally:
            os.close(fd)

    async def _mirror(self, fd: int, path: Path, fetch: Fetch) -> None:
        project = fetch.repository.partition("/")[0]
        try:
            await self._take_turn(project)
        except asyncio.CancelledError:
            self._done(path, fd, fetch)
            raise
        loop = asyncio.get_running_loop()
        filling = loop.run_in_executor(self._downloads, self._download, fd, fetch)
        filling.add_done_callback(lambda _: self._leave(project))
        try:
            await asyncio.shield(filling)  # cancelled, the thread goes on until it sees _stopping
            await fetch.keep(_chunks(fd, fetch.size))
        except Exception as exc:
            answer = exc if isinstance(exc, RegistryError) else fetch.failure(exc)
            self._remember(fetch.spool_name, answer)
            log.warning("mirroring %s failed: %s", fetch.digest, exc)
        finally:
            # The descriptor is closed once no thread writes to it: its number may be reused.
            filling.add_done_callback(lambda _: self._done(path, fd, fetch))

    async def _take_turn(self, project: str) -> None:
        """One of the project's PER_PROJECT downloads at once; the others wait here, not for a
        thread, so a project whose registry trickles cannot hold every download thread."""
        turns = self._turns.setdefault(project, asyncio.Semaphore(PER_PROJECT))
        self._waiting_or_running[project] = self._waiting_or_running.get(project, 0) + 1
        try:
            await turns.acquire()
        except BaseException:
            self._leave(project, took_turn=False)
            raise

    def _leave(self, project: str, took_turn: bool = True) -> None:
        if took_turn:
            self._turns[project].release()
        self._waiting_or_running[project] -= 1
        if not self._waiting_or_running[project]:
            del self._waiting_or_running[project], self._turns[project]

    def _room_for(self, size: int) -> bool:
        space = measure(self._spool)
        return not replace(space, free=space.free - self._reserved - size).low

    def _download(self, fd: int, fetch: Fetch) -> None:
        self._queued.discard(fetch.spool_name)
        _fill(fd, fetch, self._stopping)

    def _done(self, path: Path, fd: int, fetch: Fetch) -> None:
        self._queued.discard(fetch.spool_name)  # cancelled before a thread took it
        self._reserved -= fetch.size
        _release(path, fd)

    async def _follow(
        self, fd: int, fetch: Fetch, offset: int, length: int
    ) -> AsyncGenerator[bytes, None]:
        try:
            position, end = offset, offset + length
            pause, idle_since = POLL_FIRST, time.monotonic()
            while position < end:
                chunk = os.pread(fd, min(READ_CHUNK, end - position), position)
                if chunk:
                    position += len(chunk)
                    pause, idle_since = POLL_FIRST, time.monotonic()
                    yield chunk
                    continue
                if _try_lock(fd, fcntl.LOCK_SH):  # nobody downloads: what is missing stays so
                    fcntl.flock(fd, fcntl.LOCK_UN)
                    if not os.pread(fd, 1, position):
                        raise self._failure_of(fetch)
                    continue
                if fetch.spool_name in self._queued:  # waiting for a turn or a thread is no stall
                    idle_since = time.monotonic()
                elif time.monotonic() - idle_since > STALL_SECONDS:
                    raise BlobUnknown(f"blob {fetch.digest}: its registry stopped sending it")
                await asyncio.sleep(pause)
                pause = min(pause * 2, POLL_MOST)
        finally:
            os.close(fd)

    def _remember(self, name: str, error: RegistryError) -> None:
        self._failed[name] = error
        while len(self._failed) > REMEMBERED_FAILURES:
            self._failed.popitem(last=False)

    def _failure_of(self, fetch: Fetch) -> RegistryError:
        return self._failed.get(fetch.spool_name) or BlobUnknown(
            f"blob {fetch.digest} could not be fetched from its registry", {"digest": fetch.digest}
        )

    async def close(self) -> None:
        """Stop the mirrors running (their spool files go; the next start fetches again)."""
        self._stopping.set()
        for task in list(self._mirrors):
            task.cancel()
        await asyncio.gather(*self._mirrors, return_exceptions=True)
        self._downloads.shutdown(wait=False, cancel_futures=True)


def _fill(fd: int, fetch: Fetch, stopping: threading.Event) -> None:
    """Download into the (empty) spool file; raise unless it is the blob asked for."""
    algorithm, _, hex_ = fetch.digest.partition(":")
    hasher = hashlib.new(algorithm)
    written = 0

    def write(chunk: bytes) -> None:
        nonlocal written
        if stopping.is_set():
            raise BlobUnknown(f"blob {fetch.digest}: the registry is stopping")
        if written + len(chunk) > fetch.size:
            raise BlobUnknown(f"blob {fetch.digest}: its registry sent more than it is")
        view = memoryview(chunk)
        while view:
            done = os.pwrite(fd, view, written)
            written += done
            view = view[done:]
        hasher.update(chunk)

    fetch.download(write)
    if written != fetch.size or hasher.hexdigest() != hex_:
        raise BlobUnknown(f"blob {fetch.digest}: its registry sent other bytes")


async def _chunks(fd: int, size: int) -> AsyncIterator[bytes]:
    position = 0
    while position < size:
        chunk = await asyncio.to_thread(os.pread, fd, min(READ_CHUNK, size - position), position)
        if not chunk:
            raise BlobUnknown("the spool file ended early")
        position += len(chunk)
        yield chunk


def _remove_left(spool: Path) -> None:
    """Remove the spool files no download holds (the lock goes with its process)."""
    for path in spool.iterdir():
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            continue
        if _try_lock(fd, fcntl.LOCK_EX):
            _unlink_if_same(path, fd)
        os.close(fd)


def _try_lock(fd: int, kind: int) -> bool:
    try:
        fcntl.flock(fd, kind | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _release(path: Path, fd: int) -> None:
    """The download is over: its spool file goes, and with its descriptor, the lock."""
    _unlink_if_same(path, fd)
    os.close(fd)


def _unlink_if_same(path: Path, fd: int) -> None:
    """Remove the spool file if it is still this one (a later download may have its name)."""
    try:
        if os.stat(path).st_ino == os.fstat(fd).st_ino:
            path.unlink()
    except FileNotFoundError:
        pass
