"""Replicas as local processes: started, rolled one way or the other, restarted, stopped.

The processes are real (spawned, as `moorage serve` spawns registry replicas); what
each one does is its payload: serve (ready at once), crash, or never become ready.
"""

import multiprocessing
import time
from collections.abc import Callable, Iterator
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event

import pytest

from moorage.platform import local
from moorage.platform.local import LocalReplicas, Wanted
from tests.support.replicas import serve

CONTEXT = multiprocessing.get_context("spawn")


def _start(name: str, payload: str, ready: Event, _listener: object) -> BaseProcess:
    process = CONTEXT.Process(target=serve, args=(payload, ready), name=name)
    process.start()
    return process


@pytest.fixture
def replicas() -> Iterator[LocalReplicas]:
    running = LocalReplicas(start=_start, make_event=CONTEXT.Event, stop_timeout=2)
    yield running
    running.stop_all()


def _until(replicas: LocalReplicas, done: Callable[[], bool], seen: list | None = None) -> None:
    """Tick until `done`; record (ready, alive) after each tick into `seen`."""
    deadline = time.monotonic() + 60
    while not done():
        assert time.monotonic() < deadline, "the replicas did not get there in 60 s"
        replicas.tick()
        if seen is not None:
            alive = [r for r in replicas.replicas if r.process.is_alive()]
            seen.append((replicas.ready_count + _old_ready(replicas), len(alive)))
        time.sleep(0.02)


def _old_ready(replicas: LocalReplicas) -> int:
    current = replicas.wanted.revision if replicas.wanted else None
    return sum(1 for r in replicas.replicas if r.revision != current and r.is_ready)


def test_the_wanted_number_start_and_become_ready(replicas: LocalReplicas) -> None:
    replicas.want(Wanted("a", "serve", 3))
    _until(replicas, lambda: replicas.settled)
    assert replicas.ready_count == 3
    assert all(r.status == "Running" for r in replicas.replicas)


def test_a_rolling_update_never_has_fewer_ready_than_wanted(replicas: LocalReplicas) -> None:
    replicas.want(Wanted("a", "serve", 2))
    _until(replicas, lambda: replicas.settled)
    seen: list[tuple[int, int]] = []
    replicas.want(Wanted("b", "serve", 2))
    _until(replicas, lambda: replicas.settled, seen)
    assert {r.revision for r in replicas.replicas} == {"b"}
    assert min(ready for ready, _ in seen) >= 2
    assert max(alive for _, alive in seen) <= 3  # one more than wanted, at most


def test_recreate_stops_every_old_replica_before_starting_a_new_one(
    replicas: LocalReplicas,
) -> None:
    replicas.want(Wanted("a", "serve", 2))
    _until(replicas, lambda: replicas.settled)
    mixed = []
    replicas.want(Wanted("b", "serve", 2, "Recreate"))

    def record() -> bool:
        revisions = {r.revision for r in replicas.replicas if r.process.is_alive()}
        mixed.append(revisions == {"a", "b"})
        return replicas.settled

    _until(replicas, record)
    assert not any(mixed)
    assert {r.revision for r in replicas.replicas} == {"b"}


def test_fewer_replicas_stop_the_surplus(replicas: LocalReplicas) -> None:
    replicas.want(Wanted("a", "serve", 3))
    _until(replicas, lambda: replicas.settled)
    replicas.want(Wanted("a", "serve", 1))
    _until(replicas, lambda: replicas.settled)
    assert len(replicas.replicas) == 1


def test_nothing_wanted_stops_everything(replicas: LocalReplicas) -> None:
    replicas.want(Wanted("a", "serve", 2))
    _until(replicas, lambda: replicas.settled)
    processes = [r.process for r in replicas.replicas]
    replicas.want(None)
    _until(replicas, lambda: not replicas.replicas)
    assert not any(p.is_alive() for p in processes)


def test_a_replica_that_exits_is_restarted_in_place_and_counts_it(
    replicas: LocalReplicas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "BACKOFF_FIRST", 0.1)
    restarted: list[str] = []
    replicas.on_restart = restarted.append
    replicas.want(Wanted("a", "serve", 1))
    _until(replicas, lambda: replicas.settled)
    replica = replicas.replicas[0]
    first = replica.process
    first.kill()
    _until(replicas, lambda: replica.restarts == 1 and replica.is_ready)
    assert replica.process is not first
    assert [r.name for r in replicas.replicas] == [replica.name]
    assert replica.last_exit == -9
    assert restarted == [replica.name]  # told before it starts again (its log is retired)


def test_a_replica_that_keeps_crashing_waits_longer_each_time(
    replicas: LocalReplicas, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(local, "BACKOFF_FIRST", 0.1)
    replicas.want(Wanted("a", "crash", 1))
    _until(replicas, lambda: bool(replicas.replicas) and replicas.replicas[0].restarts >= 3)
    replica = replicas.replicas[0]
    assert replica.backoff >= 0.8  # 0.1, 0.2, 0.4, then 0.8
    assert replica.status in ("CrashLoopBackOff", "ContainerCreating")
    assert not replicas.settled


def test_a_rolling_update_to_a_broken_revision_keeps_the_old_ones_serving(
    replicas: LocalReplicas,
) -> None:
    replicas.want(Wanted("a", "serve", 2))
    _until(replicas, lambda: replicas.settled)
    replicas.want(Wanted("b", "never-ready", 2))
    for _ in range(50):
        replicas.tick()
        time.sleep(0.02)
    serving = [r for r in replicas.replicas if r.revision == "a" and r.is_ready]
    assert len(serving) == 2
    assert len([r for r in replicas.replicas if r.revision == "b"]) == 1


def test_only_a_replica_gone_for_good_is_reported_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "BACKOFF_FIRST", 0.1)
    gone: list[str] = []
    replicas = LocalReplicas(_start, CONTEXT.Event, stop_timeout=2, on_gone=gone.append)
    try:
        replicas.want(Wanted("a", "serve", 2))
        _until(replicas, lambda: replicas.settled)
        crashing = replicas.replicas[0]
        crashing.process.kill()
        _until(replicas, lambda: crashing.restarts == 1 and replicas.settled)
        assert gone == []  # restarted in place: the same pod
        before = {r.name for r in replicas.replicas}
        replicas.want(Wanted("a", "serve", 1))
        _until(replicas, lambda: replicas.settled)
        assert gone == sorted(before - {r.name for r in replicas.replicas})
    finally:
        replicas.stop_all()
