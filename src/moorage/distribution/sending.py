"""Sending a blob file's bytes down a connection: copied by a thread, not sendfile(2).

A pull is bounded by the client: skopeo and podman read 32 KiB at a time and hash
every byte. Measured side by side (ADR 0006), such a client pulls a 1 GiB layer
about 15% slower when the server hands the kernel page-cache pages with sendfile(2)
than when it writes the bytes from a buffer, and fast readers (curl) lose nothing
that matters either way. So a large blob is read into a buffer and written by a
thread of a bounded pool, which blocks in poll(2) while the socket is full. The
event loop only starts and awaits the copy: no file read on the loop.

Small blobs and the overflow when every thread is busy go through the loop's own
sendfile, as aiohttp's FileResponse does. Under TLS (a route, or the registry beyond
loopback) the bytes must pass through the loop's TLS: there the loop's sendfile falls
back to 16 KiB copies each awaited on a thread, about 110 MB/s, so they are read by a
thread BUFFER at a time and written as the response's body instead (ADR 0008).
"""

import asyncio
import errno
import os
import select
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

from aiohttp import web

BUFFER = 256 * 1024
THREAD_MIN = 1024 * 1024  # below this a blob goes out in one or two sendfile calls
POLL_SECONDS = 1.0  # how often a waiting copy looks at its stop flag
STALL_SECONDS = 300.0  # a client that reads nothing for this long is dropped


class Stopped(Exception):
    """The copy was told to stop (the request was cancelled)."""


class Senders:
    """At most `threads` copies at once; more are sent from the event loop."""

    def __init__(self, threads: int = 32) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="blob-send")
        self._free = threads
        self._running: set[threading.Event] = set()  # the stop flags of copies under way

    async def send(
        self,
        request: web.Request,
        response: web.StreamResponse,
        file: BinaryIO,
        offset: int,
        length: int,
    ) -> None:
        """Write `length` bytes of `file` from `offset` to the request's connection, whose
        response headers are already prepared."""
        if length == 0:
            return
        transport = request.transport
        if transport is None or transport.is_closing():
            raise ConnectionResetError("the client went away")
        if _is_tls(transport):
            await _write_through_tls(response, file.fileno(), offset, length)
            return
        if (
            length < THREAD_MIN
            or self._free == 0
            # Headers still queued (earlier pipelined answers fill the socket): the loop's
            # own sendfile waits for them without polling.
            or transport.get_write_buffer_size()
        ):
            await asyncio.get_running_loop().sendfile(transport, file, offset, length)
            return
        await self._copy(transport, file.fileno(), offset, length)

    async def _copy(
        self, transport: asyncio.Transport, source: int, offset: int, length: int
    ) -> None:
        target = transport.get_extra_info("socket").fileno()
        if target < 0:
            raise ConnectionResetError("the client went away")
        # The thread reads and writes through descriptors of its own, and closes them when
        # done: should the file or the transport close first (a cancelled request), the
        # numbers they had cannot be reused under the copy.
        fds = _duplicates(source, target)
        stop = threading.Event()
        was_reading = transport.is_reading()  # aiohttp pauses it itself when requests pile up
        transport.pause_reading()
        copying = self._start(fds, offset, length, stop)
        try:
            await asyncio.shield(copying)
        except asyncio.CancelledError:
            stop.set()  # the thread ends within POLL_SECONDS
            raise
        except (OSError, Stopped, TimeoutError) as failure:
            transport.close()  # the body is cut short: the client must not wait for the rest
            raise ConnectionResetError(str(failure)) from failure
        if was_reading and not transport.is_closing():
            transport.resume_reading()

    def _start(
        self, fds: tuple[int, int], offset: int, length: int, stop: threading.Event
    ) -> asyncio.Future[None]:
        """The copy in a pool thread; its slot and flag are given back when the thread ends
        (not when the request does: a cancelled request's thread runs on a moment)."""
        try:
            copying = asyncio.get_running_loop().run_in_executor(
                self._pool, _copy_and_close, *fds, offset, length, stop
            )
        except RuntimeError:  # the pool has shut down: the worker is stopping
            _close(fds)
            raise ConnectionResetError("the registry is stopping") from None
        self._free -= 1
        self._running.add(stop)

        def finished(done: asyncio.Future[None]) -> None:
            self._free += 1
            self._running.discard(stop)
            if done.cancelled():  # never ran: the thread did not close them
                _close(fds)

        copying.add_done_callback(finished)
        return copying

    def close(self) -> None:
        for stop in self._running:
            stop.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _is_tls(transport: asyncio.Transport) -> bool:
    return transport.get_extra_info("sslcontext") is not None


async def _write_through_tls(
    response: web.StreamResponse, source: int, offset: int, length: int
) -> None:
    end = offset + length
    while offset < end:
        chunk = await asyncio.to_thread(os.pread, source, min(BUFFER, end - offset), offset)
        if not chunk:
            raise OSError(errno.EIO, "the blob file is shorter than its recorded size")
        await response.write(chunk)
        offset += len(chunk)


def _duplicates(source: int, target: int) -> tuple[int, int]:
    mine = os.dup(source)
    try:
        return mine, os.dup(target)
    except OSError:
        os.close(mine)
        raise ConnectionResetError("the client went away") from None


def _copy_and_close(
    source: int, target: int, offset: int, length: int, stop: threading.Event
) -> None:
    try:
        _copy(source, target, offset, length, stop)
    finally:
        _close((source, target))


def _close(fds: tuple[int, int]) -> None:
    for fd in fds:
        os.close(fd)


def _copy(source: int, target: int, offset: int, length: int, stop: threading.Event) -> None:
    """Runs in a pool thread: pread into one buffer, write it out, wait while the socket
    is full."""
    buffer = bytearray(BUFFER)
    view = memoryview(buffer)
    writable = select.poll()
    writable.register(target, select.POLLOUT)
    end = offset + length
    while offset < end:
        got = os.preadv(source, [view[: min(BUFFER, end - offset)]], offset)
        if got == 0:
            raise OSError(errno.EIO, "the blob file is shorter than its recorded size")
        _write_all(target, view[:got], writable, stop)
        offset += got


def _write_all(target: int, data: memoryview, writable: select.poll, stop: threading.Event) -> None:
    waited_since = time.monotonic()
    while data:
        if stop.is_set():
            raise Stopped("the request was cancelled")
        try:
            data = data[os.write(target, data) :]
            waited_since = time.monotonic()
        except BlockingIOError:
            if time.monotonic() - waited_since > STALL_SECONDS:
                raise TimeoutError(f"the client read nothing for {STALL_SECONDS:.0f} s") from None
            writable.poll(POLL_SECONDS * 1000)
