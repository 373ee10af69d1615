"""Which clients the azure and gcs storage drivers use, through their emulators (ADR 0013).

.venv/bin/python bench/cloud_clients.py [--reps 3] [--mib 64] [--small 300] [--no-results]

Azurite and gcp-storage-emulator, each its own process on loopback, and the candidate
clients of each alternated (A B C, then C B A) --reps times: a --mib MiB object written in
10 MiB pieces as the drivers write uploads (staged blocks and a block list on Azure; part
objects composed into one on GCS; obstore's own multipart writer) and read back as a
stream, then --small 1 KiB objects put, HEADed and read, 8 at a time. Medians of wall time
and of this process's CPU time (the client's own cost). obstore is tried on GCS too: what
it answers is printed. Needs obstore (`pip install obstore`) beside the test extras.
"""

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import obstore
from azure.storage.blob import BlobBlock, BlobServiceClient
from azure.storage.blob.aio import BlobServiceClient as AsyncBlobServiceClient
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage
from obstore.store import AzureStore, GCSStore
from report import cpu_model, git_revision, publish

PIECE = 10 << 20
READ = 4 << 20
CONCURRENCY = 8
CONTAINER = "bench"
ACCOUNT = "devstoreaccount1"
KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
BENCH = Path(__file__).parent
RESULTS = BENCH / "RESULTS.md"
Run = Callable[[], Awaitable[None]]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def emulator(command: list[str], url: str) -> Iterator[None]:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait()


async def limited(jobs: list[Awaitable[Any]]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Awaitable[Any]) -> None:
        async with gate:
            await job

    await asyncio.gather(*(one(job) for job in jobs))


def pieces(data: bytes) -> list[bytes]:
    return [data[offset : offset + PIECE] for offset in range(0, len(data), PIECE)]


class Obstore:
    def __init__(self, name: str, store: Any) -> None:
        self.name, self.store = name, store

    async def put_large(self, key: str, data: bytes) -> None:
        await obstore.put_async(self.store, key, data, chunk_size=PIECE, use_multipart=True)

    async def get_large(self, key: str) -> int:
        result = await obstore.get_async(self.store, key)
        return sum([len(chunk) async for chunk in result.stream(min_chunk_size=1 << 20)])

    async def put(self, key: str, data: bytes) -> None:
        await obstore.put_async(self.store, key, data)

    async def head(self, key: str) -> None:
        await obstore.head_async(self.store, key)

    async def get(self, key: str) -> bytes:
        return bytes(await (await obstore.get_async(self.store, key)).bytes_async())


class Threads:
    """A blocking client's calls, each on a thread of the pool, as the drivers make them."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        self.pool = pool

    async def run(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, partial(function, *args, **kwargs))


class AzureInThreads(Threads):
    name = "azure-storage-blob in threads"

    def __init__(self, url: str, pool: ThreadPoolExecutor) -> None:
        super().__init__(pool)
        service = BlobServiceClient(
            url,
            credential={"account_name": ACCOUNT, "account_key": KEY},
            max_single_get_size=READ,
            max_chunk_get_size=READ,
        )
        self.container = service.get_container_client(CONTAINER)

    async def put_large(self, key: str, data: bytes) -> None:
        blob, blocks = self.container.get_blob_client(key), []
        for number, piece in enumerate(pieces(data)):
            block = f"{number:08d}"
            await self.run(blob.stage_block, block, piece)
            blocks.append(BlobBlock(block))
        await self.run(blob.commit_block_list, blocks)

    async def get_large(self, key: str) -> int:
        download = await self.run(self.container.get_blob_client(key).download_blob)
        chunks, total = download.chunks(), 0
        while chunk := await self.run(next, chunks, b""):
            total += len(chunk)
        return total

    async def put(self, key: str, data: bytes) -> None:
        await self.run(self.container.get_blob_client(key).upload_blob, data, overwrite=True)

    async def head(self, key: str) -> None:
        await self.run(self.container.get_blob_client(key).get_blob_properties)

    async def get(self, key: str) -> bytes:
        download = await self.run(self.container.get_blob_client(key).download_blob)
        data: bytes = await self.run(download.readall)
        return data


class AzureAio:
    name = "azure-storage-blob aio"

    def __init__(self, container: Any) -> None:
        self.container = container

    async def put_large(self, key: str, data: bytes) -> None:
        blob, blocks = self.container.get_blob_client(key), []
        for number, piece in enumerate(pieces(data)):
            block = f"{number:08d}"
            await blob.stage_block(block, piece)
            blocks.append(BlobBlock(block))
        await blob.commit_block_list(blocks)

    async def get_large(self, key: str) -> int:
        download = await self.container.get_blob_client(key).download_blob()
        return sum([len(chunk) async for chunk in download.chunks()])

    async def put(self, key: str, data: bytes) -> None:
        await self.container.get_blob_client(key).upload_blob(data, overwrite=True)

    async def head(self, key: str) -> None:
        await self.container.get_blob_client(key).get_blob_properties()

    async def get(self, key: str) -> bytes:
        data: bytes = await (await self.container.get_blob_client(key).download_blob()).readall()
        return data


class GcsInThreads(Threads):
    name = "google-cloud-storage in threads"

    def __init__(self, url: str, pool: ThreadPoolExecutor) -> None:
        super().__init__(pool)
        client = storage.Client(
            project="bench",
            credentials=AnonymousCredentials(),
            client_options={"api_endpoint": url},
        )
        self.bucket = client.bucket(CONTAINER)

    async def put_large(self, key: str, data: bytes) -> None:
        parts = [self.bucket.blob(f"{key}/part/{n}") for n in range(len(pieces(data)))]
        for part, piece in zip(parts, pieces(data), strict=True):
            await self.run(part.upload_from_string, piece)
        await self.run(self.bucket.blob(key).compose, parts)

    async def get_large(self, key: str) -> int:
        size = (await self.run(self.bucket.get_blob, key)).size
        total = 0
        for start in range(0, size, READ):
            end = min(start + READ, size) - 1
            total += len(
                await self.run(self.bucket.blob(key).download_as_bytes, start=start, end=end)
            )
        return total

    async def put(self, key: str, data: bytes) -> None:
        await self.run(self.bucket.blob(key).upload_from_string, data)

    async def head(self, key: str) -> None:
        await self.run(self.bucket.blob(key).reload)

    async def get(self, key: str) -> bytes:
        data: bytes = await self.run(self.bucket.blob(key).download_as_bytes)
        return data


async def measure(run: Run) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    await run()
    return time.perf_counter() - wall, time.process_time() - cpu


def workloads(client: Any, large: bytes, small: int, rep: int) -> dict[str, Run]:
    tag = f"{client.name.replace(' ', '-')}/{rep}"
    keys = [f"{tag}/small/{n}" for n in range(small)]

    async def get_large() -> None:
        assert await client.get_large(f"{tag}/large") == len(large)

    return {
        "put large": lambda: client.put_large(f"{tag}/large", large),
        "get large": get_large,
        "put small": lambda: limited([client.put(key, b"x" * 1024) for key in keys]),
        "head small": lambda: limited([client.head(key) for key in keys]),
        "get small": lambda: limited([client.get(key) for key in keys]),
    }


Figures = dict[tuple[str, str], list[tuple[float, float]]]


async def alternate(clients: list[Any], reps: int, large: bytes, small: int, into: Figures) -> None:
    for rep in range(reps):
        for client in clients if rep % 2 == 0 else clients[::-1]:
            for workload, run in workloads(client, large, small, rep).items():
                into.setdefault((workload, client.name), []).append(await measure(run))


async def azure(url: str, reps: int, large: bytes, small: int, into: Figures) -> None:
    BlobServiceClient(
        url, credential={"account_name": ACCOUNT, "account_key": KEY}
    ).create_container(CONTAINER)
    store = AzureStore(
        CONTAINER,
        account_name=ACCOUNT,
        access_key=KEY,
        endpoint=url,
        client_options={"allow_http": True},
    )
    credential = {"account_name": ACCOUNT, "account_key": KEY}
    async with AsyncBlobServiceClient(url, credential=credential) as service:
        clients = [
            Obstore("obstore (Azure)", store),
            AzureInThreads(url, ThreadPoolExecutor(16)),
            AzureAio(service.get_container_client(CONTAINER)),
        ]
        await alternate(clients, reps, large, small, into)


async def gcs(url: str, reps: int, large: bytes, small: int, into: Figures) -> None:
    client = GcsInThreads(url, ThreadPoolExecutor(16))
    await client.run(client.bucket.client.create_bucket, CONTAINER)
    store = GCSStore(CONTAINER, base_url=url, client_options={"allow_http": True})
    try:
        await obstore.put_async(store, "probe", b"x")
    except Exception as exc:  # what obstore answers is the finding
        print(f"obstore (GCS) against gcp-storage-emulator: {type(exc).__name__}: {exc}"[:400])
    await alternate([client], reps, large, small, into)


def table(figures: Figures, mib: int, small: int) -> str:
    lines = [
        "| workload | client | median s | MB/s or req/s | client CPU s |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for (workload, client), runs in sorted(figures.items(), key=lambda item: item[0][1]):
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        rate = (mib * 1.048576 / wall) if "large" in workload else small / wall
        lines.append(f"| {workload} | {client} | {wall:.3f} | {rate:,.0f} | {cpu:.3f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--mib", type=int, default=64)
    parser.add_argument("--small", type=int, default=300)
    parser.add_argument("--no-results", action="store_true")
    options = parser.parse_args()
    large, figures = os.urandom(options.mib << 20), {}
    azure_port, gcs_port = free_port(), free_port()
    azure_url = f"http://127.0.0.1:{azure_port}/{ACCOUNT}"
    with tempfile.TemporaryDirectory() as directory:
        azurite = ["azurite-blob", "--blobHost", "127.0.0.1", "--blobPort", str(azure_port)]
        azurite += [
            "--location",
            directory,
            "--skipApiVersionCheck",
            "--loose",
            "--disableTelemetry",
        ]
        with emulator(azurite, azure_url):
            asyncio.run(azure(azure_url, options.reps, large, options.small, figures))
    gcs_url = f"http://127.0.0.1:{gcs_port}"
    gcs_emulator = ["gcp-storage-emulator", "start", "--in-memory", "--host", "127.0.0.1"]
    with emulator([*gcs_emulator, "--port", str(gcs_port)], gcs_url):
        asyncio.run(gcs(gcs_url, options.reps, large, options.small, figures))
    header = (
        f"## Azure and GCS clients through Azurite and gcp-storage-emulator "
        f"(git {git_revision(BENCH.parent)})\n\n"
        f"{cpu_model()}, nproc {os.cpu_count()}, load {os.getloadavg()[0]:.1f}; "
        f"{options.mib} MiB in 10 MiB pieces, {options.small} x 1 KiB objects "
        f"{CONCURRENCY} at a time; {options.reps} reps alternated, medians.\n\n"
    )
    publish(header + table(figures, options.mib, options.small), RESULTS, not options.no_results)


if __name__ == "__main__":
    main()
