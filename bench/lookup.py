"""The cost of one request-path metadata lookup (FastReads) on SQLite and on PostgreSQL.

    .venv/bin/python bench/lookup.py [--lookups 5000] [--database-url URL]

Without --database-url it starts a throwaway PostgreSQL cluster like the tests do
(needs the Debian package `postgresql`). Prints, per backend, the wall time and the
CPU time of this process per manifest-by-tag lookup: the wall time is how long the
lookup blocks the event loop, the CPU time what it costs the worker.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, insert, select

from moorage.store.database import migrate, open_engine, sqlite_url
from moorage.store.registry_metadata import RegistryMetadata
from moorage.store.schema import manifests, repositories, tags
from tests.support.postgres import PostgresCluster, postgres_bin

REPOSITORIES = 200
TAGS = 20


def populate(engine: Engine) -> list[tuple[str, str]]:
    refs = []
    with engine.begin() as conn:
        for r in range(REPOSITORIES):
            name = f"bench/repo{r}"
            repo_id = conn.execute(
                insert(repositories).values(name=name, created_at=0.0)
            ).inserted_primary_key[0]
            rows = [(f"sha256:{r:032x}{t:032x}", f"v{t}") for t in range(TAGS)]
            conn.execute(
                insert(manifests),
                [
                    {
                        "repository_id": repo_id,
                        "digest": digest,
                        "media_type": "application/vnd.oci.image.manifest.v1+json",
                        "size": 1000,
                        "created_at": 0.0,
                    }
                    for digest, _ in rows
                ],
            )
            conn.execute(
                insert(tags),
                [
                    {"repository_id": repo_id, "name": tag, "digest": digest, "updated_at": 0.0}
                    for digest, tag in rows
                ],
            )
            refs += [(name, tag) for _, tag in rows]
    return refs


def fast_reads(store: RegistryMetadata, refs: list[tuple[str, str]]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    for repository, tag in refs:
        assert store.tagged_manifest(repository, tag) is not None
    return time.perf_counter() - wall, time.process_time() - cpu


def core(engine: Engine, refs: list[tuple[str, str]]) -> tuple[float, float]:
    """The same lookup through SQLAlchemy Core on one open connection, for comparison."""
    query = (
        select(manifests.c.digest, manifests.c.media_type, manifests.c.size)
        .join(tags, (tags.c.repository_id == manifests.c.repository_id))
        .join(repositories, repositories.c.id == manifests.c.repository_id)
        .where(tags.c.digest == manifests.c.digest)
    )
    wall, cpu = time.perf_counter(), time.process_time()
    with engine.connect() as conn:
        for repository, tag in refs:
            found = conn.execute(
                query.where(repositories.c.name == repository, tags.c.name == tag)
            ).first()
            assert found is not None
    return time.perf_counter() - wall, time.process_time() - cpu


def measure(label: str, url: str, lookups: int) -> None:
    engine = open_engine(url)
    migrate(engine)
    refs = populate(engine)
    store = RegistryMetadata(engine)
    sample = [random.choice(refs) for _ in range(lookups)]
    fast_reads(store, sample[:200])  # connect, and let psycopg prepare the statements
    for name, run in (("FastReads", lambda: fast_reads(store, sample)), ("Core", None)):
        runs = [run() if run else core(engine, sample) for _ in range(3)]
        wall = statistics.median(w for w, _ in runs) / lookups * 1e6
        cpu = statistics.median(c for _, c in runs) / lookups * 1e6
        print(f"| {label} | {name} | {wall:.0f} us | {cpu:.0f} us |")
    store.close()
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=5000)
    parser.add_argument("--database-url", help="an empty PostgreSQL database to use")
    args = parser.parse_args()
    print("| backend | path | wall per lookup | CPU per lookup |\n| --- | --- | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        measure("SQLite (WAL)", sqlite_url(Path(tmp) / "metadata.db"), args.lookups)
    if args.database_url:
        measure("PostgreSQL", args.database_url, args.lookups)
        return
    bin_dir = postgres_bin()
    if bin_dir is None:
        sys.exit("PostgreSQL is not installed: apt-get install postgresql")
    cluster = PostgresCluster(bin_dir).start()
    try:
        measure("PostgreSQL 15, loopback TCP", cluster.create_database("bench"), args.lookups)
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
