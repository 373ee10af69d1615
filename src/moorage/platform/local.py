"""Replicas as processes on this host: started, rolled, restarted and stopped.

The operator says what should run (a revision of the registry's settings, how many,
how to roll); `LocalReplicas.tick()` moves what runs one step toward it, without
blocking, each time the supervisor loop comes round. A replica is ready once its
process says it listens; a replica that exits unasked is restarted in place with a
growing delay, and its restart count grows, as a pod's container would be.
"""

import logging
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event
from typing import Any, Literal

from moorage.observability import logs
from moorage.platform.listeners import SharedListeners

log = logging.getLogger("moorage.platform")

Strategy = Literal["RollingUpdate", "Recreate"]
# Starts one replica process with its payload, accepting on the sockets given (None: the
# replica listens on its own); it sets `ready` once it serves.
Starter = Callable[[str, Any, Event, dict[str, socket.socket] | None], BaseProcess]

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 60.0
HEALTHY_AFTER = 60.0  # a replica up this long starts its next crash with the first delay


@dataclass(frozen=True)
class Wanted:
    revision: str  # changes whenever the payload does
    payload: Any  # what each replica process is started with
    replicas: int
    strategy: Strategy = "RollingUpdate"


@dataclass
class Replica:
    name: str
    revision: str
    payload: Any
    process: BaseProcess
    ready: Event
    started: float  # time.time() of the current process
    created: float  # time.time() of the replica's first process
    restarts: int = 0
    stopping_since: float | None = None
    restart_at: float | None = None  # crashed: start again at this monotonic time
    last_exit: int | None = None
    backoff: float = BACKOFF_FIRST

    @property
    def is_ready(self) -> bool:
        return self.restart_at is None and self.stopping_since is None and self.ready.is_set()

    @property
    def status(self) -> str:
        if self.stopping_since is not None:
            return "Terminating"
        if self.restart_at is not None:
            return "CrashLoopBackOff" if self.restarts > 1 else "Error"
        return "Running" if self.ready.is_set() else "ContainerCreating"


@dataclass
class LocalReplicas:
    start: Starter
    make_event: Callable[[], Event]
    stop_timeout: float
    # Told the name of each replica that is gone for good (stopped, not restarted).
    on_gone: Callable[[str], None] = lambda _name: None
    # Told the name of a crashed replica about to start again in place.
    on_restart: Callable[[str], None] = lambda _name: None
    prefix: str = "image-registry"
    listener: SharedListeners | None = None  # closed while no replica runs
    replicas: list[Replica] = field(default_factory=list)
    wanted: Wanted | None = None

    def want(self, wanted: Wanted | None) -> None:
        """What should run from now on; None: nothing (the registry is removed)."""
        self.wanted = wanted

    def tick(self) -> None:
        now = time.monotonic()
        self._reap(now)
        self._restart_crashed(now)
        self._roll(now)
        if self.listener is not None and not self.replicas:
            self.listener.close()

    def current(self) -> list[Replica]:
        """The replicas of the wanted revision that are not stopping."""
        revision = self.wanted.revision if self.wanted else None
        return [r for r in self.replicas if r.revision == revision and r.stopping_since is None]

    @property
    def ready_count(self) -> int:
        return sum(1 for r in self.current() if r.is_ready)

    @property
    def settled(self) -> bool:
        """Everything wanted runs and is ready, and nothing else runs."""
        wanted = self.wanted.replicas if self.wanted else 0
        current = self.current()
        return len(self.replicas) == len(current) == wanted and all(r.is_ready for r in current)

    def stop_all(self) -> None:
        """Stop every replica and wait for them (the server is stopping)."""
        self.wanted = None
        for replica in self.replicas:
            self._stop(replica, time.monotonic())
        deadline = time.monotonic() + self.stop_timeout + 5
        for replica in self.replicas:
            replica.process.join(max(deadline - time.monotonic(), 0))
            if replica.process.is_alive():
                log.warning(f"{replica.name} did not stop in time; killed")
                replica.process.kill()
                replica.process.join()
        self.replicas.clear()
        if self.listener is not None:
            self.listener.close()

    # -- steps -------------------------------------------------------------------

    def _reap(self, now: float) -> None:
        for replica in list(self.replicas):
            process = replica.process
            if replica.stopping_since is not None:
                if not process.is_alive():
                    process.join()
                    self.replicas.remove(replica)
                    self.on_gone(replica.name)
                    logs.event(log, f"{replica.name} stopped", replica=replica.name)
                elif now - replica.stopping_since > self.stop_timeout + 5:
                    log.warning(f"{replica.name} did not stop in time; killed")
                    process.kill()
            elif replica.restart_at is None and not process.is_alive():
                process.join()
                self._crashed(replica, now)

    def _crashed(self, replica: Replica, now: float) -> None:
        if time.time() - replica.started > HEALTHY_AFTER:
            replica.backoff = BACKOFF_FIRST
        replica.last_exit = replica.process.exitcode
        replica.restart_at = now + replica.backoff
        log.error(
            f"{replica.name} exited (code {replica.last_exit}); "
            f"restarting in {replica.backoff:.0f} s",
            extra={"fields": {"replica": replica.name, "exitcode": replica.last_exit}},
        )
        replica.backoff = min(replica.backoff * 2, BACKOFF_MAX)

    def _restart_crashed(self, now: float) -> None:
        for replica in self.replicas:
            if replica.restart_at is not None and now >= replica.restart_at:
                replica.restart_at = None
                replica.restarts += 1
                self.on_restart(replica.name)
                replica.process, replica.ready = self._spawn(replica.name, replica.payload)
                replica.started = time.time()

    def _roll(self, now: float) -> None:
        wanted = self.wanted
        current = self.current()
        old = [r for r in self.replicas if r not in current and r.stopping_since is None]
        if wanted is None:
            for replica in old:
                self._stop(replica, now)
            return
        for replica in _surplus(current, wanted.replicas):
            self._stop(replica, now)
        current = self.current()
        if wanted.strategy == "Recreate":
            self._recreate(wanted, old, now)
        else:
            self._rolling_update(wanted, current, old, now)

    def _recreate(self, wanted: Wanted, old: list[Replica], now: float) -> None:
        """Every old replica stops; once all are gone, the new ones start."""
        for replica in old:
            self._stop(replica, now)
        if all(r.revision == wanted.revision for r in self.replicas):
            while len(self.current()) < wanted.replicas:
                self._create(wanted)

    def _rolling_update(
        self, wanted: Wanted, current: list[Replica], old: list[Replica], now: float
    ) -> None:
        """One replica more than wanted at most, and never fewer ready than wanted: start a
        new one, and when it serves, stop an old one (a broken old one stops at once)."""
        for replica in [r for r in old if not r.is_ready]:
            self._stop(replica, now)
        old = [r for r in old if r.is_ready]
        if any(not r.is_ready for r in current):
            return  # one at a time: wait for the one starting
        if len(current) < wanted.replicas and len(current) + len(old) <= wanted.replicas:
            self._create(wanted)
        elif old:
            self._stop(old[0], now)

    def _create(self, wanted: Wanted) -> None:
        name = f"{self.prefix}-{wanted.revision[:10]}-{secrets.token_hex(3)[:5]}"
        process, ready = self._spawn(name, wanted.payload)
        now = time.time()
        self.replicas.append(
            Replica(name, wanted.revision, wanted.payload, process, ready, now, now)
        )
        logs.event(log, f"{name} started", replica=name)

    def _spawn(self, name: str, payload: Any) -> tuple[BaseProcess, Event]:
        ready = self.make_event()
        listening = self.listener.open() if self.listener is not None else None
        return self.start(name, payload, ready, listening), ready

    def _stop(self, replica: Replica, now: float) -> None:
        if replica.stopping_since is not None:
            return
        replica.stopping_since = now
        if replica.restart_at is not None:  # crashed and waiting: nothing runs
            replica.restart_at = None
        elif replica.process.is_alive():
            replica.process.terminate()


def _surplus(current: list[Replica], wanted: int) -> list[Replica]:
    """Those beyond `wanted`, the not-ready ones first."""
    ordered = sorted(current, key=lambda r: (r.is_ready, r.created))
    return ordered[: max(len(current) - wanted, 0)]
