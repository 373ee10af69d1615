"""Which S3 client the s3 storage driver uses: obstore against aiobotocore, through moto (ADR 0010).

.venv/bin/python bench/s3_clients.py [--reps 3] [--mib 64] [--small 300] [--no-results]

One moto server (`moto_server`, its own process on loopback) and, alternating the two
clients (A B, then B A) --reps times: a --mib MiB object put in 10 MiB multipart parts and
read back as a stream, then --small 1 KiB objects put, HEADed and read, 8 at a time.
Medians of wall time and of this process's CPU time (the client's own cost: moto's is the
same for both). Needs the bench extras: `pip install obstore aiobotocore 'moto[server]'`.
"""

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import boto3
import obstore
from aiobotocore.session import get_session
from obstore.store import S3Store
from report import cpu_model, git_revision, publish

PART = 10 << 20
CONCURRENCY = 8
BUCKET = "bench"
BENCH = Path(__file__).parent
RESULTS = BENCH / "RESULTS.md"
Run = Callable[[], Awaitable[None]]


@contextmanager
def moto_server() -> Any:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        ["moto_server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


async def limited(jobs: list[Awaitable[Any]]) -> None:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(job: Awaitable[Any]) -> None:
        async with gate:
            await job

    await asyncio.gather(*(one(job) for job in jobs))


class Obstore:
    name = "obstore"

    def __init__(self, endpoint: str) -> None:
        self.store = S3Store(
            BUCKET,
            endpoint=endpoint,
            region="us-east-1",
            access_key_id="bench",
            secret_access_key="bench",
            client_options={"allow_http": True},
        )

    async def put_large(self, key: str, data: bytes) -> None:
        await obstore.put_async(self.store, key, data, chunk_size=PART, use_multipart=True)

    async def get_large(self, key: str) -> int:
        result = await obstore.get_async(self.store, key)
        return sum([len(chunk) async for chunk in result.stream(min_chunk_size=1 << 20)])

    async def put(self, key: str, data: bytes) -> None:
        await obstore.put_async(self.store, key, data)

    async def head(self, key: str) -> None:
        await obstore.head_async(self.store, key)

    async def get(self, key: str) -> bytes:
        return bytes(await (await obstore.get_async(self.store, key)).bytes_async())


def client_arguments(endpoint: str) -> dict[str, Any]:
    return {
        "endpoint_url": endpoint,
        "region_name": "us-east-1",
        "aws_access_key_id": "bench",
        "aws_secret_access_key": "bench",
    }


class Botocore:
    name = "aiobotocore"

    def __init__(self, client: Any) -> None:
        self.client = client

    async def put_large(self, key: str, data: bytes) -> None:
        started = await self.client.create_multipart_upload(Bucket=BUCKET, Key=key)
        upload_id, parts = started["UploadId"], []
        for number, offset in enumerate(range(0, len(data), PART), start=1):
            body = data[offset : offset + PART]
            answer = await self.client.upload_part(
                Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=number, Body=body
            )
            parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        await self.client.complete_multipart_upload(
            Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )

    async def get_large(self, key: str) -> int:
        answer = await self.client.get_object(Bucket=BUCKET, Key=key)
        total = 0
        async with answer["Body"] as body:
            while chunk := await body.read(1 << 20):
                total += len(chunk)
        return total

    async def put(self, key: str, data: bytes) -> None:
        await self.client.put_object(Bucket=BUCKET, Key=key, Body=data)

    async def head(self, key: str) -> None:
        await self.client.head_object(Bucket=BUCKET, Key=key)

    async def get(self, key: str) -> bytes:
        answer = await self.client.get_object(Bucket=BUCKET, Key=key)
        async with answer["Body"] as body:
            return bytes(await body.read())


class Boto3InThreads(Botocore):
    """boto3's blocking client, each call on a thread of a pool: loop-agnostic."""

    name = "boto3 in threads"

    def __init__(self, endpoint: str, pool: ThreadPoolExecutor) -> None:
        self.blocking = boto3.client("s3", **client_arguments(endpoint))
        self.pool = pool
        super().__init__(AsyncCalls(self.blocking, pool))

    async def get_large(self, key: str) -> int:
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(
            self.pool, partial(self.blocking.get_object, Bucket=BUCKET, Key=key)
        )
        total = 0
        while chunk := await loop.run_in_executor(self.pool, answer["Body"].read, 1 << 20):
            total += len(chunk)
        return total

    async def get(self, key: str) -> bytes:
        loop = asyncio.get_running_loop()
        answer = await loop.run_in_executor(
            self.pool, partial(self.blocking.get_object, Bucket=BUCKET, Key=key)
        )
        return await loop.run_in_executor(self.pool, answer["Body"].read)


class AsyncCalls:
    """A blocking client's methods as coroutines run on `pool`."""

    def __init__(self, client: Any, pool: ThreadPoolExecutor) -> None:
        self._client = client
        self._pool = pool

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        method = getattr(self._client, name)

        async def call(**arguments: Any) -> Any:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool, partial(method, **arguments))

        return call


async def measure(run: Run) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    await run()
    return time.perf_counter() - wall, time.process_time() - cpu


def workloads(client: Any, large: bytes, small: int, rep: int) -> dict[str, Run]:
    tag = f"{client.name}/{rep}"
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


async def bench(endpoint: str, reps: int, mib: int, small: int) -> dict[tuple[str, str], list]:
    large = os.urandom(mib << 20)
    figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
    session = get_session()
    pool = ThreadPoolExecutor(16)
    async with session.create_client("s3", **client_arguments(endpoint)) as boto:
        await boto.create_bucket(Bucket=BUCKET)
        clients = [Obstore(endpoint), Botocore(boto), Boto3InThreads(endpoint, pool)]
        for rep in range(reps):
            for client in clients if rep % 2 == 0 else clients[::-1]:
                for workload, run in workloads(client, large, small, rep).items():
                    figures.setdefault((workload, client.name), []).append(await measure(run))
    return figures


def table(figures: dict[tuple[str, str], list], mib: int, small: int) -> str:
    lines = [
        "| workload | client | median s | MB/s or req/s | client CPU s |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for (workload, client), runs in figures.items():
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
    with moto_server() as endpoint:
        figures = asyncio.run(bench(endpoint, options.reps, options.mib, options.small))
    header = (
        f"## S3 clients through moto (git {git_revision(BENCH.parent)})\n\n"
        f"{cpu_model()}, nproc {os.cpu_count()}, load {os.getloadavg()[0]:.1f}; "
        f"{options.mib} MiB in 10 MiB parts, {options.small} x 1 KiB objects "
        f"{CONCURRENCY} at a time; {options.reps} reps alternated, medians.\n\n"
    )
    publish(header + table(figures, options.mib, options.small), RESULTS, not options.no_results)


if __name__ == "__main__":
    main()
