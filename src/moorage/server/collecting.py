"""The parent's garbage collector: a thread that runs a pass every interval on the storage
the registry's replicas use now (one collector for all replicas, never one per replica).
A pass that freed links brings the projects' quotas' status.used up to date."""

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from moorage.imagestreams import quotas
from moorage.observability.metrics import GC_BLOBS, GC_FREED, GC_LINKS, GC_PASSES, Metrics
from moorage.observability.metrics_exchange import keep
from moorage.registry.collector import Collected, Pace, collect
from moorage.registry.settings import RegistrySettings
from moorage.storage import open_blob_store
from moorage.storage.base import BlobStore, StorageUnavailable
from moorage.store.database import writer
from moorage.store.errors import Unavailable
from moorage.store.garbage import Garbage
from moorage.store.resources import Transaction

log = logging.getLogger("moorage.registry")

COLLECTOR = "collector"  # its kept metrics: collector.json in the workers' metrics directory
UNTIL_REPLICAS_RUN = 1.0  # seconds between looks while no replica (or memory storage) runs
LOWEST_PRIORITY = 19  # a nice value: the CPU goes to the request path first


@dataclass(frozen=True, slots=True)
class Schedule:
    """moorage serve's --gc-interval, --gc-grace and --gc-duty-cycle."""

    every: float
    grace: float
    duty_cycle: float = 1.0


def collect_in_background(garbage: Garbage, store: BlobStore, schedule: Schedule) -> Collected:
    """One pass on this thread, from now on at the lowest CPU priority (on Linux a nice value
    is a thread's own, inherited by the threads it starts), paced by the duty cycle."""
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), LOWEST_PRIORITY)
    return asyncio.run(collect(garbage, store, schedule.grace, pace=Pace(schedule.duty_cycle)))


class CollectorThread:
    def __init__(
        self,
        engine: Engine,
        data_root: Path,
        settings: Callable[[], RegistrySettings | None],
        schedule: Schedule,
        metrics_dir: Path | None = None,
    ) -> None:
        """`settings`: the replicas' current settings, None while none should run;
        `metrics_dir`: where the registry's scrapes find what each pass freed."""
        self._engine = engine
        self._garbage = Garbage(engine)
        self._data_root = data_root
        self._settings = settings
        self._schedule = schedule
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="collector", daemon=True)
        self._metrics_dir = metrics_dir
        self._metrics = Metrics()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        """Stop between passes; a pass cut short by exiting is safe (the next one finishes it)."""
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        # The first pass as soon as replicas run: rows a collector left marked when the server
        # last stopped hold up pushes of those blobs until a pass finishes them.
        pause = 0.0
        while not self._stopping.wait(pause):
            settings = self._settings()
            # Memory storage lives in the replica's process: nothing here can free it.
            if settings is None or settings.storage == "memory":
                pause = UNTIL_REPLICAS_RUN
                continue
            self._collect(settings)
            pause = self._schedule.every

    def _collect(self, settings: RegistrySettings) -> None:
        store = open_blob_store(settings.storage, self._data_root / settings.volume, settings.cloud)
        try:
            collected = collect_in_background(self._garbage, store, self._schedule)
            self._count(collected)
            if collected.links:
                with writer(self._engine).begin() as conn:
                    quotas.refresh_everywhere(Transaction(conn))
        except (OSError, SQLAlchemyError, Unavailable, StorageUnavailable) as exc:
            log.warning(f"garbage collection stopped: {exc}; the next pass goes on")
        finally:
            store.close()

    def _count(self, collected: Collected) -> None:
        for family, amount in (
            (GC_PASSES, 1),
            (GC_LINKS, collected.links),
            (GC_BLOBS, collected.blobs),
            (GC_FREED, collected.bytes),
        ):
            self._metrics.inc(family, (), amount)
        if self._metrics_dir is not None:
            try:
                keep(self._metrics_dir, COLLECTOR, self._metrics)
            except OSError as exc:  # a full disk must not stop the collector
                log.warning(f"cannot keep the collector's metrics: {exc}")
