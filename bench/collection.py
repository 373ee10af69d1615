"""A collection over 10,000 images with 1,000 unreferenced, and pushes while one runs (issue 12).

.venv/bin/python bench/collection.py [--images 10000] [--garbage 1000] [--reps 2]
                                     [--pushers 4] [--duty-cycle 0.25] [--postgres]
                                     [--no-results]

One `moorage serve` (filesystem storage, 2 workers, `--gc-interval 0`: its own collector never
runs) on a fresh data directory, its metadata in SQLite there or (`--postgres`) in a
throwaway PostgreSQL cluster. IMAGES images, each a config, a 1 KiB layer and a manifest
in a repository of its own (bench/img-N, tagged latest), are written straight into its
metadata database and storage as pushes leave them, last used two hours ago. Each repetition
makes GARBAGE more of them unreferenced (their manifests and tags deleted, as a registry DELETE
by digest leaves them), then alternates which phase goes first:
- with: PUSHERS threads push fresh images (a config, a 64 KiB layer, a manifest) through the
  registry while one collection pass frees the garbage, run as the serve parent runs it
  (`server/collecting.py`'s `collect_in_background`: a thread at the lowest CPU priority,
  resting between steps so it works DUTY_CYCLE of the time), here in this process on the
  same database and storage; the pushes stop when the pass ends;
- without: the same pushers for as long, no collection.
It reports the pass's time, what it freed, the storage calls it made by operation, a pass
with nothing to collect, pushes/s with and without and their ratio, and checks that every
push acknowledged in either phase pulls back byte for byte.
"""

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from credentials import connect
from images import descriptor
from report import git_revision, publish
from run import log
from servers import BENCH, PROJECT, Moorage, make_workdir, remove_workdir

sys.path.insert(0, str(BENCH.parent))
from sqlalchemy import Engine, delete, select, update
from transfers import post_bytes, put_manifest

from moorage.registry.collector import Collected, collect
from moorage.server.collecting import Schedule, collect_in_background
from moorage.server.config import ServerConfig
from moorage.storage.filesystem import FilesystemBlobStore
from moorage.store.database import open_engine, sqlite_url
from moorage.store.garbage import Garbage
from moorage.store.schema import (
    blobs,
    manifest_references,
    manifests,
    repositories,
    repository_blobs,
    tags,
)
from tests.support.postgres import PostgresCluster, postgres_bin

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"
GRACE = 3600.0  # the collector's default: the populated images are older, the pushes younger
AGE = 2 * GRACE


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Image:
    config: bytes
    layer: bytes

    @property
    def manifest(self) -> bytes:
        body = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptor(OCI_CONFIG, self.config),
            "layers": [descriptor(LAYER, self.layer)],
        }
        return json.dumps(body).encode()

    @staticmethod
    def fresh(layer_size: int) -> "Image":
        return Image(json.dumps({"n": os.urandom(8).hex()}).encode(), os.urandom(layer_size))


class CountingStore:
    """The store the collector is given, counting every call it makes by operation."""

    def __init__(self, store: FilesystemBlobStore) -> None:
        self._store = store
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if not callable(found):
            return found

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return found(*args, **kwargs)

        return counted


# Populating -------------------------------------------------------------------

Rows = dict[str, list[dict[str, Any]]]


def populate(engine: Engine, storage: Path, count: int) -> None:
    """`count` images as pushes leave them, AGE ago, in one transaction; bytes written plainly
    (the layout of storage/filesystem.py: blobs/<algorithm>/<hex[:2]>/<hex>)."""
    then = time.time() - AGE
    rows: Rows = {key: [] for key in ("blobs", "links", "manifests", "references", "tags")}
    with engine.begin() as conn:
        conn.execute(
            repositories.insert(),
            [{"name": f"{PROJECT}/img-{n}", "created_at": then} for n in range(count)],
        )
        ids = dict(conn.execute(select(repositories.c.name, repositories.c.id)).all())
        for n in range(count):
            image = Image.fresh(1024)
            repo_id = ids[f"{PROJECT}/img-{n}"]
            _image_rows(rows, repo_id, image, then)
            for data in (image.config, image.layer, image.manifest):
                _write(storage, data)
        for table, key in (
            (blobs, "blobs"),
            (repository_blobs, "links"),
            (manifests, "manifests"),
            (manifest_references, "references"),
            (tags, "tags"),
        ):
            conn.execute(table.insert(), rows[key])


def _image_rows(
    rows: dict[str, list[dict[str, Any]]], repo_id: int, image: Image, then: float
) -> None:
    digest = sha256(image.manifest)
    for data in (image.config, image.layer, image.manifest):
        blob = {"digest": sha256(data), "size": len(data), "created_at": then, "touched_at": then}
        rows["blobs"].append(blob)
        rows["links"].append({"repository_id": repo_id, "digest": sha256(data), "created_at": then})
    rows["manifests"].append(
        {
            "repository_id": repo_id,
            "digest": digest,
            "media_type": OCI_MANIFEST,
            "size": len(image.manifest),
            "created_at": then,
        }
    )
    for data in (image.config, image.layer):
        ref = {
            "repository_id": repo_id,
            "manifest_digest": digest,
            "reference_digest": sha256(data),
        }
        rows["references"].append(ref)
    rows["tags"].append(
        {"repository_id": repo_id, "name": "latest", "digest": digest, "updated_at": then}
    )


def _write(storage: Path, data: bytes) -> None:
    hex_ = hashlib.sha256(data).hexdigest()
    path = storage / "blobs" / "sha256" / hex_[:2] / hex_
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def unreference(engine: Engine, first: int, count: int) -> None:
    """Images first..first+count-1 lose their manifest and tag, as a DELETE by digest does."""
    names = [f"{PROJECT}/img-{n}" for n in range(first, first + count)]
    with engine.begin() as conn:
        ids = list(
            conn.execute(select(repositories.c.id).where(repositories.c.name.in_(names))).scalars()
        )
        for table in (tags, manifest_references, manifests):
            conn.execute(delete(table).where(table.c.repository_id.in_(ids)))
        old = time.time() - AGE  # the links were made when the images were pushed
        conn.execute(
            update(repository_blobs)
            .where(repository_blobs.c.repository_id.in_(ids))
            .values(created_at=old)
        )


# Pushing ----------------------------------------------------------------------


@dataclass
class Pushers:
    host: str
    threads: int
    stop: threading.Event = field(default_factory=threading.Event)
    acknowledged: list[tuple[str, Image]] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def run_while(self, work: Any) -> tuple[int, float]:
        """Push until `work()` returns; (pushes acknowledged, seconds)."""
        self.stop.clear()
        before = len(self.acknowledged)
        workers = [threading.Thread(target=self._push, args=(i,)) for i in range(self.threads)]
        began = time.perf_counter()
        for worker in workers:
            worker.start()
        work()
        self.stop.set()
        seconds = time.perf_counter() - began
        for worker in workers:
            worker.join()
        return len(self.acknowledged) - before, seconds

    def _push(self, index: int) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            image, repo = Image.fresh(64 << 10), f"{PROJECT}/push-{index}"
            tag = f"t{index}-{number}-{os.urandom(3).hex()}"
            try:
                for data in (image.config, image.layer):
                    post_bytes(self.host, repo, data)
                put_manifest(self.host, repo, tag, image.manifest, OCI_MANIFEST)
            except Exception as exc:  # counted and reported: the run goes on
                self.failed.append(f"{repo}:{tag}: {exc}")
                continue
            self.acknowledged.append((f"{repo}:{tag}", image))


def lost(host: str, pushed: list[tuple[str, Image]]) -> list[str]:
    """The acknowledged pushes that do not pull back byte for byte."""
    missing = []
    for reference, image in pushed:
        repo, tag = reference.split(":")
        wanted = {f"manifests/{tag}": image.manifest, f"blobs/{sha256(image.layer)}": image.layer}
        wanted[f"blobs/{sha256(image.config)}"] = image.config
        for path, data in wanted.items():
            conn = connect(host)
            conn.request("GET", f"/v2/{repo}/{path}", headers={"Accept": OCI_MANIFEST})
            resp = conn.getresponse()
            if resp.status != 200 or resp.read() != data:
                missing.append(f"{repo}/{path}")
            conn.close()
    return missing


# The run ----------------------------------------------------------------------


@dataclass
class Rep:
    collected: Collected
    seconds: float
    calls: Counter[str]
    with_rate: float
    without_rate: float


def one_rep(
    engine: Engine,
    storage: Path,
    pushers: Pushers,
    schedule: Schedule,
    without_first: bool,
    expected: float,
) -> Rep:
    """One pass with pushes, and pushes alone; `expected`: how long a pass took before (how
    long pushes alone run when they go first)."""
    counting = CountingStore(FilesystemBlobStore(storage))
    outcome: dict[str, Any] = {}

    def one_pass() -> None:  # on a thread of its own, as its priority is lowered for good
        began = time.perf_counter()
        outcome["collected"] = collect_in_background(Garbage(engine), counting, schedule)  # type: ignore[arg-type]
        outcome["seconds"] = time.perf_counter() - began

    def collecting() -> None:
        collector = threading.Thread(target=one_pass, name="collector")
        collector.start()
        collector.join()

    def with_collection() -> float:
        pushed, seconds = pushers.run_while(collecting)
        return pushed / seconds

    def without(seconds: float) -> float:
        pushed, took = pushers.run_while(lambda: time.sleep(seconds))
        return pushed / took

    if without_first:
        without_rate = without(expected)
        with_rate = with_collection()
    else:
        with_rate = with_collection()
        without_rate = without(outcome["seconds"])
    return Rep(outcome["collected"], outcome["seconds"], counting.calls, with_rate, without_rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--garbage", type=int, default=1_000)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--pushers", type=int, default=4)
    parser.add_argument(
        "--duty-cycle",
        type=float,
        default=ServerConfig().gc_duty_cycle,
        help="the pass's share of working time (moorage serve --gc-duty-cycle)",
    )
    parser.add_argument("--postgres", action="store_true", help="metadata in PostgreSQL")
    parser.add_argument("--no-results", action="store_true")
    args = parser.parse_args()
    args.load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    if args.garbage * args.reps > args.images:
        parser.error("--images must hold --garbage for every repetition")
    workdir = make_workdir(None)
    cluster = PostgresCluster(postgres_bin()).start() if args.postgres else None
    url = (
        cluster.create_database("bench")
        if cluster
        else sqlite_url(workdir / "data" / "metadata.db")
    )
    server = Collecting("moorage", workdir, database_url=url if cluster else None)
    try:
        text = run(args, server, open_engine(url), workdir)
    finally:
        server.stop()
        remove_workdir(workdir)
        if cluster:
            cluster.stop()
    publish(text, BENCH / "RESULTS.md", not args.no_results)


def postgres() -> PostgresCluster:
    bin_dir = postgres_bin()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed: apt-get install postgresql")
    return PostgresCluster(bin_dir).start()


@dataclass
class Collecting(Moorage):
    """moorage with its own collector off (the bench runs the passes), on `database_url`."""

    database_url: str | None = None

    def command(self) -> list[str]:
        database = ["--database-url", self.database_url] if self.database_url else []
        return [*super().command(), "--gc-interval", "0", *database]


def run(args: argparse.Namespace, server: Moorage, engine: Engine, workdir: Path) -> str:
    server.start()
    storage = workdir / "data" / "storage"
    log(f"populating {args.images} images")
    populate(engine, storage, args.images)
    log("a pass with nothing to collect")
    began = time.perf_counter()
    asyncio.run(collect(Garbage(engine), FilesystemBlobStore(storage), GRACE))  # type: ignore[arg-type]
    idle = time.perf_counter() - began
    pushers = Pushers(server.host, args.pushers)
    schedule = Schedule(every=0, grace=GRACE, duty_cycle=args.duty_cycle)
    reps = []
    for rep in range(args.reps):
        unreference(engine, rep * args.garbage, args.garbage)
        log(f"repetition {rep + 1}: {args.garbage} images unreferenced")
        expected = reps[-1].seconds if reps else 0.0
        reps.append(one_rep(engine, storage, pushers, schedule, rep % 2 == 1, expected))
        log(f"  {reps[-1]}")
    missing = lost(server.host, pushers.acknowledged)
    return report(args, reps, idle, len(pushers.acknowledged), pushers.failed, missing)


def report(
    args: argparse.Namespace,
    reps: list[Rep],
    idle: float,
    acknowledged: int,
    failed: list[str],
    missing: list[str],
) -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines = [
        f"## A collection over {args.images:,} images with {args.garbage:,} unreferenced "
        "(bench/collection.py)",
        "",
        f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, git "
        f"{git_revision(BENCH.parent)}; load average after: {load}",
        f"- {'PostgreSQL' if args.postgres else 'SQLite'}, filesystem storage, 2 workers; "
        f"{args.pushers} pushers of 64 KiB images; the pass's duty cycle {args.duty_cycle}; "
        f"load average before: {args.load_before}; {args.reps} repetitions",
        "",
        "| rep | pass s | links | blobs | bytes freed | storage calls | pushes/s with | "
        "pushes/s without | with/without |",
        "|---|--:|--:|--:|--:|---|--:|--:|--:|",
    ]
    for number, rep in enumerate(reps, 1):
        calls = ", ".join(f"{name} {count:,}" for name, count in sorted(rep.calls.items()))
        lines.append(
            f"| {number} | {rep.seconds:.1f} | {rep.collected.links:,} | {rep.collected.blobs:,} "
            f"| {rep.collected.bytes:,} | {calls} | {rep.with_rate:.1f} | "
            f"{rep.without_rate:.1f} | {rep.with_rate / rep.without_rate:.2f} |"
        )
    ratio = statistics.median(r.with_rate / r.without_rate for r in reps)
    lines += [
        "",
        f"A pass with nothing to collect over {args.images:,} images: {idle:.2f} s. "
        f"Median push throughput with a collection running / without: {ratio:.2f}. "
        f"Pushes acknowledged: {acknowledged:,}; refused or failed: {len(failed)}; "
        f"lost (not pulled back byte for byte): {len(missing)}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
