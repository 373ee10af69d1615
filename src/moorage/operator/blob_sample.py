"""Whether the storage the replicas use holds the blobs the registry's records name, so that
switching storage (pvc to s3, s3 to pvc) loses nothing silently.

It is a bounded sample, never a listing: SAMPLE digests read from a random point of the blobs
table's primary key (digests are uniform random hex, so a run from any point is a fair
sample), each checked with one exists call on the storage (a HEAD on S3, a stat on a volume).
That is at most SAMPLE storage calls for each storage the replicas are given, made again
every RECHECK seconds only while some are missing.
"""

import asyncio
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, select

from moorage.registry.settings import RegistrySettings
from moorage.storage import CLOUD_NAMES, open_blob_store
from moorage.storage.base import BlobStore, StorageUnavailable
from moorage.store.schema import blobs

SAMPLE = 32
RECHECK = 60.0


def sample_digests(engine: Engine, count: int = SAMPLE) -> list[str]:
    """Up to `count` recorded blobs (none being collected), from a random point of the key
    order, wrapping round to the start."""
    start = f"sha256:{secrets.token_hex(32)}"
    live = select(blobs.c.digest).where(blobs.c.deleting_since.is_(None)).limit(count)
    with engine.connect() as conn:
        after = list(conn.scalars(live.where(blobs.c.digest >= start).order_by(blobs.c.digest)))
        if len(after) == count:
            return after
        before = conn.scalars(live.where(blobs.c.digest < start).order_by(blobs.c.digest))
        return [*after, *before][:count]


async def _missing(store: BlobStore, digests: list[str]) -> int:
    found = await asyncio.gather(*(store.exists(digest) for digest in digests))
    return found.count(False)


class MissingBlobs:
    """What the operator says when the storage in use lacks recorded blobs, remembered for
    each storage: None for as long as it is in use once the sample was all there."""

    def __init__(
        self, engine: Engine, data_root: Path, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._engine = engine
        self._data_root = data_root
        self._clock = clock
        self._last: tuple[object, str | None, float] | None = None

    def message(self, settings: RegistrySettings) -> str | None:
        if settings.storage == "memory":
            return None  # a replica's own memory: nothing else can look into it
        storage = (settings.storage, settings.volume, settings.cloud)
        last = self._last
        if last is not None and last[0] == storage and self._keep(last[1], last[2]):
            return last[1]
        message = self._check(settings)
        self._last = (storage, message, self._clock())
        return message

    def _keep(self, message: str | None, at: float) -> bool:
        return message is None or self._clock() - at < RECHECK

    def _check(self, settings: RegistrySettings) -> str | None:
        digests = sample_digests(self._engine)
        if not digests:
            return None
        store = open_blob_store(settings.storage, self._data_root / settings.volume, settings.cloud)
        try:
            missing = asyncio.run(_missing(store, digests))
        except StorageUnavailable:
            return None  # the storage's own check says what is wrong with it
        finally:
            store.close()
        if not missing:
            return None
        volume = self._data_root / settings.volume
        cloud = settings.cloud
        where = f"the volume {volume}"
        if cloud is not None:
            where = f"{CLOUD_NAMES[settings.storage]} {cloud.describe()}"
        return (
            f"{missing} of {len(digests)} blobs sampled from the registry's records are not in "
            f"the storage it uses now ({where}): images with those layers cannot be pulled "
            "until their blobs are copied there from the previous storage, or the registry "
            "is switched back to it"
        )
