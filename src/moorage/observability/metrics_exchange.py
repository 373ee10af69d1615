"""Every registry worker's metrics, gathered by whichever worker a scrape reaches.

The workers share a directory that `moorage serve` makes for them. Each answers
its current snapshot on a Unix socket there (`<id>.sock`) and keeps a copy of its
counts in `<id>.json`, written every few seconds and when it stops, so that the
counts of a worker that has ended still add to the sums (a worker that crashed
loses at most its last few seconds; Prometheus' rate() reads that as a reset).
A scrape asks every socket and takes the kept copy of any worker that does not
answer; gauges (requests in flight) come from live workers only.
"""

import asyncio
import contextlib
import json
import logging
import os
import uuid
from pathlib import Path

from moorage.observability.metrics import Metrics, Snapshot

log = logging.getLogger("moorage.metrics")

KEEP_SECONDS = 5.0
ASK_TIMEOUT = 2.0


class Exchange:
    def __init__(self, directory: Path, metrics: Metrics) -> None:
        self.metrics = metrics
        self._directory = directory
        name = uuid.uuid4().hex[:12]
        self._socket = directory / f"{name}.sock"
        self._kept = directory / f"{name}.json"
        self._server: asyncio.AbstractServer | None = None
        self._keeping: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_unix_server(self._answer, path=self._socket)
        self._keeping = asyncio.create_task(self._keep())

    async def stop(self) -> None:
        """Keep the final counts, then stop answering (peers read the kept copy)."""
        if self._keeping is not None:
            self._keeping.cancel()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        await self._write()
        self._socket.unlink(missing_ok=True)

    async def gathered(self) -> list[Snapshot]:
        """This worker's snapshot and every other worker's, live or kept."""
        peers = {path.stem for path in self._directory.iterdir()} - {self._socket.stem}
        asked = await asyncio.gather(*(self._ask(peer) for peer in sorted(peers)))
        return [self.metrics.snapshot(), *(found for found in asked if found is not None)]

    async def _ask(self, peer: str) -> Snapshot | None:
        try:
            async with asyncio.timeout(ASK_TIMEOUT):
                reader, writer = await asyncio.open_unix_connection(
                    self._directory / f"{peer}.sock"
                )
                try:
                    return json.loads(await reader.read())  # type: ignore[no-any-return]
                finally:
                    writer.close()
        except (OSError, TimeoutError, ValueError):
            return await asyncio.to_thread(_read_kept, self._directory / f"{peer}.json")

    async def _answer(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            writer.write(json.dumps(self.metrics.snapshot()).encode())
            await writer.drain()
        except ConnectionError:
            pass  # the asking worker gave up
        finally:
            writer.close()

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(KEEP_SECONDS)
            await self._write()

    async def _write(self) -> None:
        try:
            await asyncio.to_thread(keep, self._directory, self._kept.stem, self.metrics)
        except OSError as exc:  # a full disk must not stop the worker
            log.warning(f"cannot keep metrics in {self._kept}: {exc}")


def keep(directory: Path, name: str, metrics: Metrics) -> None:
    """Keep the counts of a process that answers no scrape itself (the parent's collector)
    where every scrape reads kept copies: `<name>.json`."""
    _write_atomically(
        directory / f"{name}.json", json.dumps(metrics.snapshot(gauges=False)).encode()
    )


def _read_kept(path: Path) -> Snapshot | None:
    with contextlib.suppress(OSError, ValueError):
        return json.loads(path.read_bytes())  # type: ignore[no-any-return]
    return None


def _write_atomically(path: Path, data: bytes) -> None:
    pending = path.with_suffix(".tmp")
    pending.write_bytes(data)
    os.replace(pending, path)
