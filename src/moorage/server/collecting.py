"""The parent's garbage collector: a thread that runs a pass every interval on the storage
the registry's replicas use now (one collector for all replicas, never one per replica).
A pass that freed links brings the projects' quotas' status.used up to date."""

import asyncio
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from moorage.imagestreams import quotas
from moorage.registry.collector import collect
from moorage.registry.settings import RegistrySettings
from moorage.storage import open_blob_store
from moorage.storage.base import StorageUnavailable
from moorage.store.database import writer
from moorage.store.errors import Unavailable
from moorage.store.garbage import Garbage
from moorage.store.resources import Transaction

log = logging.getLogger("moorage.registry")

UNTIL_REPLICAS_RUN = 1.0  # seconds between looks while no replica (or memory storage) runs


class CollectorThread:
    def __init__(
        self,
        engine: Engine,
        data_root: Path,
        settings: Callable[[], RegistrySettings | None],
        every: float,
        grace: float,
    ) -> None:
        """`settings`: the replicas' current settings, None while none should run."""
        self._engine = engine
        self._garbage = Garbage(engine)
        self._data_root = data_root
        self._settings = settings
        self._every = every
        self._grace = grace
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="collector", daemon=True)

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
            pause = self._every

    def _collect(self, settings: RegistrySettings) -> None:
        store = open_blob_store(settings.storage, self._data_root / settings.volume, settings.cloud)
        try:
            collected = asyncio.run(collect(self._garbage, store, self._grace))
            if collected.links:
                with writer(self._engine).begin() as conn:
                    quotas.refresh_everywhere(Transaction(conn))
        except (OSError, SQLAlchemyError, Unavailable, StorageUnavailable) as exc:
            log.warning(f"garbage collection stopped: {exc}; the next pass goes on")
        finally:
            store.close()
