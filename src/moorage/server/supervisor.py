"""The parent process: keeps the API server running, and runs the operator, which runs
the registry's replicas as the Config says."""

import dataclasses
import logging
import multiprocessing
import signal
import socket
import time
from multiprocessing.connection import wait
from multiprocessing.context import SpawnContext
from multiprocessing.process import BaseProcess
from multiprocessing.synchronize import Event

from sqlalchemy import Engine

from moorage.imagestreams.pruner import Pruner
from moorage.imagestreams.streams import ImageStreams
from moorage.observability import logs
from moorage.operator.blob_sample import MissingBlobs
from moorage.operator.image_config import SERVICE_HOST
from moorage.operator.image_pruner import ImagePrunerController
from moorage.operator.pods import OPERATOR_POD
from moorage.operator.reconciler import Operator
from moorage.operator.routes import Routes
from moorage.platform.ingress import IngressCertificates
from moorage.platform.listeners import SharedListeners
from moorage.platform.local import LocalReplicas, Starter
from moorage.registry.settings import RegistrySettings
from moorage.resources.objects import Object
from moorage.server.api_process import run_api_server
from moorage.server.collecting import CollectorThread, Schedule
from moorage.server.first_config import claim_capacity
from moorage.server.registry_process import run_registry_worker
from moorage.server.worker import WorkerPlan
from moorage.store.database import open_engine
from moorage.store.resources import ResourceStore

log = logging.getLogger("moorage.server")

# An API server that dies sooner than this after starting counts as a failed start.
MIN_HEALTHY_SECONDS = 2.0
MAX_FAILED_STARTS = 5
TICK_SECONDS = 0.2


def supervise(plan: WorkerPlan, first_spec: Object) -> int:
    # spawn, not fork: a child imports only what it serves, not the parent's migration tools.
    context = multiprocessing.get_context("spawn")
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    engine = open_engine(plan.database_url)
    pod_logs = plan.pod_logs
    pod_logs.clear()
    pod_logs.keep(OPERATOR_POD, "moorage.operator", "moorage.platform")
    replicas = LocalReplicas(
        start=_replica_starter(context, plan),
        make_event=context.Event,
        stop_timeout=plan.config.shutdown_timeout,
        listener=SharedListeners(_addresses(plan)),
        on_gone=pod_logs.remove,
        on_restart=pod_logs.retire,
    )
    store = ResourceStore(engine)
    assert plan.exposure is not None
    routes = Routes(store, plan.exposure, IngressCertificates(plan.data_root))
    operator = Operator(
        store,
        replicas,
        first_spec,
        plan.data_root,
        claim_capacity(plan.data_root),
        routes,
        internal_hostname=f"{SERVICE_HOST}:{plan.config.port}",
        blobs=MissingBlobs(engine, plan.data_root),
    )
    pruner = _image_pruner(plan, store)
    collector = _collector(plan, engine, operator)
    api, started = _start_api(context, plan), time.monotonic()
    logs.event(log, "started the API server and the registry operator")
    failed_starts = 0
    while not stopping:
        operator.tick()
        pruner.tick()
        sentinels = [api.sentinel, *(r.process.sentinel for r in replicas.replicas)]
        wait(sentinels, timeout=TICK_SECONDS)
        if api.is_alive() or stopping:
            continue
        if time.monotonic() - started < MIN_HEALTHY_SECONDS:
            failed_starts += 1
        log.error(
            "the API server exited; starting another", extra={"fields": {"exitcode": api.exitcode}}
        )
        if failed_starts >= MAX_FAILED_STARTS:
            log.error("the API server keeps failing at start; giving up")
            break
        api, started = _start_api(context, plan), time.monotonic()
    if collector is not None:
        collector.stop(plan.config.shutdown_timeout)
    pruner.wait(plan.config.shutdown_timeout)
    operator.stop()
    _stop_api(api, plan.config.shutdown_timeout)
    engine.dispose()
    logs.event(log, "registry stopped")
    return 1 if failed_starts >= MAX_FAILED_STARTS else 0


def _image_pruner(plan: WorkerPlan, store: ResourceStore) -> ImagePrunerController:
    config = plan.config
    pruner = Pruner(
        store, ImageStreams(config.registry_host), config.gc_grace, config.tag_restore_window
    )
    return ImagePrunerController(store, pruner, plan.pod_logs)


def _collector(plan: WorkerPlan, engine: Engine, operator: Operator) -> CollectorThread | None:
    config = plan.config
    if config.gc_interval == 0:
        return None

    def settings() -> RegistrySettings | None:
        wanted = operator.replicas.wanted
        return None if wanted is None else wanted.payload

    collector = CollectorThread(
        engine,
        plan.data_root,
        settings,
        Schedule(config.gc_interval, config.gc_grace, config.gc_duty_cycle),
        plan.metrics_dir,
    )
    collector.start()
    return collector


def _addresses(plan: WorkerPlan) -> dict[str, tuple[str, int]]:
    config = plan.config
    addresses = {"registry": (config.host, config.port)}
    if config.ingress_port is not None:
        addresses["ingress"] = (config.ingress_host, config.ingress_port)
    return addresses


def _start_api(context: SpawnContext, plan: WorkerPlan) -> BaseProcess:
    process = context.Process(target=run_api_server, args=(plan,), name="api")
    process.start()
    return process


def _stop_api(api: BaseProcess, timeout: float) -> None:
    if api.is_alive():
        api.terminate()
    api.join(timeout + 5)
    if api.is_alive():
        log.warning("the API server did not stop in time; killed")
        api.kill()
        api.join()


def _replica_starter(context: SpawnContext, plan: WorkerPlan) -> Starter:
    def start(
        name: str,
        settings: RegistrySettings,
        ready: Event,
        listeners: dict[str, socket.socket] | None,
    ) -> BaseProcess:
        its_plan = dataclasses.replace(plan, registry=settings)
        args = (its_plan, ready, listeners, name)
        process = context.Process(target=run_registry_worker, args=args, name=name)
        process.start()
        return process

    return start
