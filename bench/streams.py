"""Listing many image streams through the API with limit/continue, on SQLite and PostgreSQL.

    .venv/bin/python bench/streams.py [--streams 10000] [--page 500] [--postgres]

Starts `moorage serve` (2 workers) in a temporary directory, creates project `bench`
and N ImageStreams through the API (8 concurrent clients), pushes a tiny image to
`bench/<stream>:v1` for every tenth stream so that status.tags has history to render,
then measures, median of 3 runs: listing every stream in pages of --page and of 100,
one page's latency (p50/p99 over every page fetched), one unpaged list, and the CPU
seconds the server spent on one paged listing. With --postgres the same runs on a
throwaway PostgreSQL cluster (as bench/lookup.py starts one). Prints a Markdown table
and appends it, with the machine and load average, to bench/RESULTS.md.
"""

import argparse
import datetime
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from report import cpu_model, git_revision, memory_gib  # noqa: E402
from servers import PROJECT, Moorage, make_workdir, remove_workdir  # noqa: E402

from tests.support.images import Image, image, push_image  # noqa: E402
from tests.support.postgres import PostgresCluster, postgres_bin  # noqa: E402

RUNS = 3
CLIENTS = 8
TAG_EVERY = 10
STREAMS_PATH = f"/apis/image.openshift.io/v1/namespaces/{PROJECT}/imagestreams"


@dataclass
class MoorageOn(Moorage):
    """`moorage serve` on SQLite in its data directory, or on the database at `database_url`."""

    database_url: str | None = None

    def command(self) -> list[str]:
        extra = ["--database-url", self.database_url] if self.database_url else []
        return super().command() + extra


@dataclass
class Listing:
    """One walk through every page: its wall time, each page's latency, the server's CPU."""

    seconds: float
    items: int
    tagged: int
    pages: list[float] = field(default_factory=list)
    cpu: float = 0.0


@dataclass
class Figures:
    backend: str
    streams: int
    setup_seconds: float
    paged: dict[int, list[Listing]]
    unpaged: list[Listing]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=10_000)
    parser.add_argument("--page", type=int, default=500, help="page size (100 is always run too)")
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--no-results", action="store_true", help="do not touch RESULTS.md")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def stream_name(index: int) -> str:
    return f"stream-{index:05d}"


def create_stream(api: httpx.Client, index: int) -> None:
    body = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStream",
        "metadata": {"name": stream_name(index)},
    }
    response = api.post(STREAMS_PATH, json=body)
    if response.status_code != 201:
        raise RuntimeError(f"create {stream_name(index)}: {response.status_code} {response.text}")


def tag_stream(registry: httpx.Client, tiny: Image, index: int) -> None:
    response = push_image(registry, f"{PROJECT}/{stream_name(index)}", tiny, "v1")
    if response.status_code != 201:
        raise RuntimeError(f"push to {stream_name(index)}: {response.status_code}")


def in_parallel(work: Callable[[int], None], indices: range) -> None:
    with ThreadPoolExecutor(CLIENTS) as pool:
        for _ in pool.map(work, indices):
            pass


def populate(server: Moorage, count: int) -> float:
    """Create `count` streams, tag every TAG_EVERY-th; returns the seconds it took."""
    started = time.perf_counter()
    limits = httpx.Limits(max_connections=CLIENTS)
    api = api_client(server, limits=limits, timeout=60)
    registry = httpx.Client(
        base_url=f"http://{server.host}",
        limits=limits,
        timeout=60,
        auth=("bench", server.api_token),
    )
    tiny = image(layers=1, layer_size=256)
    with api, registry:
        in_parallel(lambda i: create_stream(api, i), range(count))
        log(f"created {count} streams in {time.perf_counter() - started:.1f} s")
        in_parallel(lambda i: tag_stream(registry, tiny, i), range(0, count, TAG_EVERY))
    return time.perf_counter() - started


def api_client(server: Moorage, **options: Any) -> httpx.Client:
    headers = {"Authorization": f"Bearer {server.api_token}"}
    return httpx.Client(base_url=f"http://127.0.0.1:{server.api_port}", headers=headers, **options)


def walk(api: httpx.Client, limit: int | None) -> Listing:
    """GET every page in turn, following metadata.continue."""
    params: dict[str, str | int] = {"limit": limit} if limit else {}
    pages, items, tagged = [], 0, 0
    started = time.perf_counter()
    while True:
        sent = time.perf_counter()
        response = api.get(STREAMS_PATH, params=params)
        pages.append(time.perf_counter() - sent)
        response.raise_for_status()
        body = response.json()
        items += len(body["items"])
        tagged += sum(1 for item in body["items"] if item["status"]["tags"])
        token = body["metadata"].get("continue")
        if not token:
            break
        params = {"limit": limit or 0, "continue": token}
    return Listing(time.perf_counter() - started, items, tagged, pages)


def measured(server: Moorage, api: httpx.Client, limit: int | None) -> Listing:
    """One walk with the server's CPU seconds (every process of `moorage serve`) during it."""
    assert server.monitor is not None
    before = server.monitor.cpu_total()
    listing = walk(api, limit)
    listing.cpu = server.monitor.cpu_total() - before
    return listing


def check(listing: Listing, streams: int) -> None:
    expected_tagged = len(range(0, streams, TAG_EVERY))
    if listing.items != streams or listing.tagged != expected_tagged:
        raise RuntimeError(
            f"listed {listing.items} streams ({listing.tagged} tagged), "
            f"expected {streams} ({expected_tagged} tagged)"
        )


def measure(server: Moorage, streams: int, page_sizes: list[int]) -> Figures:
    api = api_client(server, timeout=120)
    with api:
        walk(api, page_sizes[0])  # warm: connections, caches, the pool
        paged: dict[int, list[Listing]] = {size: [] for size in page_sizes}
        unpaged: list[Listing] = []
        for _ in range(RUNS):
            for size in page_sizes:
                paged[size].append(measured(server, api, size))
            unpaged.append(measured(server, api, None))
    for listing in [*unpaged, *(x for runs in paged.values() for x in runs)]:
        check(listing, streams)
    return Figures("", streams, 0.0, paged, unpaged)


@contextmanager
def running(database_url: str | None) -> Iterator[Moorage]:
    workdir = make_workdir(BENCH / ".work" if (BENCH / ".work").is_dir() else None)
    server = MoorageOn("moorage", workdir, database_url=database_url)
    try:
        yield server.start()
    finally:
        if server.process is not None:
            server.stop()
        remove_workdir(workdir)


def bench_backend(label: str, database_url: str | None, args: argparse.Namespace) -> Figures:
    log(f"{label}: starting moorage serve")
    with running(database_url) as server:
        setup = populate(server, args.streams)
        log(f"{label}: populated in {setup:.1f} s; listing")
        figures = measure(server, args.streams, sorted({args.page, 100}, reverse=True))
        errors = server.log_errors()
    if errors:
        log(f"{label}: {len(errors)} error lines in the server log, first: {errors[0]}")
    figures.backend, figures.setup_seconds = label, setup
    return figures


def bench_postgres(args: argparse.Namespace) -> Figures:
    bin_dir = postgres_bin()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed: apt-get install postgresql")
    cluster = PostgresCluster(bin_dir).start()
    try:
        return bench_backend("PostgreSQL", cluster.create_database("bench"), args)
    finally:
        cluster.stop()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def rows(figures: Figures) -> list[str]:
    out = []
    for size, runs in figures.paged.items():
        pages = [p for run in runs for p in run.pages]
        total = statistics.median(run.seconds for run in runs)
        cpu = statistics.median(run.cpu for run in runs)
        out.append(
            f"| {figures.backend} | pages of {size} ({len(runs[0].pages)} pages) | {total:.2f} s "
            f"| {ms(percentile(pages, 0.5))} | {ms(percentile(pages, 0.99))} | {cpu:.2f} s |"
        )
    total = statistics.median(run.seconds for run in figures.unpaged)
    cpu = statistics.median(run.cpu for run in figures.unpaged)
    out.append(f"| {figures.backend} | one unpaged list | {total:.2f} s | | | {cpu:.2f} s |")
    return out


def table(all_figures: list[Figures]) -> list[str]:
    head = [
        "| Backend | Listing | all streams (median of 3) | page p50 | page p99 | server CPU |",
        "|---|---|--:|--:|--:|--:|",
    ]
    return head + [row for figures in all_figures for row in rows(figures)]


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def section(args: argparse.Namespace, all_figures: list[Figures], loads: tuple[str, str]) -> str:
    setup = ", ".join(f"{f.backend} {f.setup_seconds:.0f} s" for f in all_figures)
    command = f"--streams {args.streams} --page {args.page}" + (" --postgres" * args.postgres)
    lines = [
        f"## Listing {args.streams:,} image streams",
        "",
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}",
        f"- CPU: {cpu_model()}, nproc {os.cpu_count()}; memory {memory_gib():.1f} GiB; "
        f"Python {sys.version.split()[0]}; moorage at git {git_revision(BENCH.parent)}",
        f"- Load average (1/5/15 min) before: {loads[0]}; after: {loads[1]}",
        f"- Setup: {args.streams:,} ImageStreams created through the API by {CLIENTS} clients, "
        f"one tiny image pushed to every {TAG_EVERY}th as `:v1` (took {setup})",
        f"- Reproduce: `.venv/bin/python bench/streams.py {command}`",
        "",
        *table(all_figures),
        "",
        "`moorage serve` with 2 workers; GET .../namespaces/bench/imagestreams?limit=N, "
        "following metadata.continue to the end. Page latency is the time to a whole "
        "response, over every page of the 3 runs; server CPU is utime + stime of every "
        "moorage process during one whole listing (median of 3).",
    ]
    return "\n".join(lines) + "\n"


def append_results(text: str) -> None:
    path = BENCH / "RESULTS.md"
    existing = path.read_text() if path.exists() else ""
    path.write_text(existing.rstrip("\n") + "\n\n" + text if existing else text)


def main() -> None:
    args = parse_args()
    before = load_average()
    all_figures = [bench_backend("SQLite", None, args)]
    if args.postgres:
        all_figures.append(bench_postgres(args))
    text = section(args, all_figures, (before, load_average()))
    print(text)
    if not args.no_results:
        append_results(text)


if __name__ == "__main__":
    main()
