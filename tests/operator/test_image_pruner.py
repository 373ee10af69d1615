"""The ImagePruner: made with OpenShift's defaults at first start, run on its schedule, each
run a Job with a pod and a log, kept per the history limits.

Most tests drive the controller on a real database with its clock set where the schedule
is due (no waiting for midnight); the last runs a real `moorage serve` whose pruner is
scheduled every minute and prunes pushed images.
"""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from moorage.imagestreams.pruner import Pruner
from moorage.imagestreams.streams import ImageStreams
from moorage.operator.first_start import CONFIG, IMAGE_PRUNER, NAMESPACE, seed
from moorage.operator.image_pruner import ImagePrunerController
from moorage.platform.pod_logs import PodLogs
from moorage.store.database import migrate, open_engine, sqlite_url
from moorage.store.resources import ResourceStore
from tests.cli.conftest import Cli
from tests.operator.conftest import wait_for
from tests.support.images import image, push_image
from tests.support.server import RunningServer

MIDNIGHT = 1_796_601_600.0  # 2026-12-07T00:00:00Z
MINUTE = int(MIDNIGHT // 60)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    opened = open_engine(sqlite_url(tmp_path / "metadata.db"))
    migrate(opened)
    yield opened
    opened.dispose()


@pytest.fixture
def store(engine: Engine) -> Iterator[ResourceStore]:
    opened = ResourceStore(engine)
    seed(opened, {})
    yield opened
    opened.close()


@pytest.fixture
def pod_logs(tmp_path: Path) -> PodLogs:
    logs = PodLogs(tmp_path / "logs")
    logs.clear()
    return logs


@pytest.fixture
def clock() -> Clock:
    return Clock(MIDNIGHT - 30)


@pytest.fixture
def controller(store: ResourceStore, pod_logs: PodLogs, clock: Clock) -> ImagePrunerController:
    pruner = Pruner(store, ImageStreams("registry.test:5000"), grace=3600)
    return ImagePrunerController(store, pruner, pod_logs, clock)


def change_spec(store: ResourceStore, **spec: object) -> None:
    with store.transaction() as tx:
        pruner = tx.require(IMAGE_PRUNER)
        tx.update(IMAGE_PRUNER, {**pruner, "spec": {**pruner["spec"], **spec}})


def run_once(controller: ImagePrunerController) -> None:
    """The tick that starts a due run, then the one that sees it end."""
    controller.tick()
    controller.wait()
    controller.tick()


def jobs(store: ResourceStore) -> dict[str, Any]:
    with store.reading() as tx:
        return {j["metadata"]["name"]: j for j in tx.list("batch", "jobs", NAMESPACE).items}


def pods_of(store: ResourceStore, job: str) -> list[Any]:
    with store.reading() as tx:
        pods = tx.list("", "pods", NAMESPACE).items
    return [p for p in pods if p["metadata"]["labels"].get("job-name") == job]


def conditions(store: ResourceStore) -> dict[str, tuple[str, str]]:
    with store.reading() as tx:
        status = tx.require(IMAGE_PRUNER)["status"]
    return {c["type"]: (c["status"], c["reason"]) for c in status["conditions"]}


def test_the_first_start_makes_the_pruner_with_openshifts_defaults(store: ResourceStore) -> None:
    with store.reading() as tx:
        spec = tx.require(IMAGE_PRUNER)["spec"]
    assert spec == {
        "schedule": "0 0 * * *",
        "suspend": False,
        "keepTagRevisions": 3,
        "keepYoungerThanDuration": "60m",
        "successfulJobsHistoryLimit": 3,
        "failedJobsHistoryLimit": 3,
        "ignoreInvalidImageReferences": False,
        "logLevel": "Normal",
    }


def test_a_run_at_midnight_is_a_completed_job_whose_pod_logs_the_report(
    controller: ImagePrunerController, store: ResourceStore, pod_logs: PodLogs, clock: Clock
) -> None:
    controller.tick()
    assert jobs(store) == {}
    assert conditions(store) == {
        "Available": ("True", "AsExpected"),
        "Scheduled": ("True", "Scheduled"),
        "Failed": ("False", "NoJobs"),
    }

    clock.now = MIDNIGHT + 10
    run_once(controller)

    name = f"image-pruner-{MINUTE}"
    job = jobs(store)[name]
    assert job["status"]["succeeded"] == 1 and "completionTime" in job["status"]
    (pod,) = pods_of(store, name)
    assert pod["status"]["phase"] == "Succeeded"
    log = pod_logs.path(pod["metadata"]["name"]).read_text()
    assert "Summary: deleted 0 image object(s)" in log
    assert "Only API objects" not in log  # the Config is Managed: registry storage too
    assert conditions(store)["Failed"] == ("False", "Complete")


def test_a_minute_runs_once_and_a_run_never_overlaps_another(
    controller: ImagePrunerController, store: ResourceStore, clock: Clock
) -> None:
    change_spec(store, schedule="* * * * *")
    clock.now = MIDNIGHT
    run_once(controller)
    clock.now = MIDNIGHT + 30
    run_once(controller)

    assert list(jobs(store)) == [f"image-pruner-{MINUTE}"]


def test_finished_jobs_are_kept_per_the_history_limit(
    controller: ImagePrunerController, store: ResourceStore, pod_logs: PodLogs, clock: Clock
) -> None:
    change_spec(store, schedule="* * * * *", successfulJobsHistoryLimit=2)
    first_pod = None
    for minute in range(4):
        clock.now = MIDNIGHT + 60 * minute
        run_once(controller)
        first_pod = first_pod or pods_of(store, f"image-pruner-{MINUTE}")[0]["metadata"]["name"]

    assert sorted(jobs(store)) == [f"image-pruner-{MINUTE + 2}", f"image-pruner-{MINUTE + 3}"]
    assert pods_of(store, f"image-pruner-{MINUTE}") == []
    assert not pod_logs.path(str(first_pod)).exists()


def test_a_suspended_pruner_does_not_run(
    controller: ImagePrunerController, store: ResourceStore, clock: Clock
) -> None:
    change_spec(store, suspend=True)
    clock.now = MIDNIGHT
    run_once(controller)

    assert jobs(store) == {}
    assert conditions(store)["Scheduled"] == ("False", "Suspended")


def test_with_the_registry_removed_it_prunes_image_metadata_only(
    controller: ImagePrunerController, store: ResourceStore, pod_logs: PodLogs, clock: Clock
) -> None:
    with store.transaction() as tx:
        config = tx.require(CONFIG)
        config["spec"]["managementState"] = "Removed"
        tx.update(CONFIG, config)
    clock.now = MIDNIGHT
    run_once(controller)

    (pod,) = pods_of(store, f"image-pruner-{MINUTE}")
    log = pod_logs.path(pod["metadata"]["name"]).read_text()
    assert "Only API objects will be removed." in log


def test_a_run_that_fails_is_a_failed_job_saying_why(
    controller: ImagePrunerController,
    store: ResourceStore,
    engine: Engine,
    pod_logs: PodLogs,
    clock: Clock,
) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE repositories")  # what every prune reads first
    clock.now = MIDNIGHT
    run_once(controller)

    job = jobs(store)[f"image-pruner-{MINUTE}"]
    assert job["status"]["failed"] == 1
    assert job["status"]["conditions"][0]["reason"] == "BackoffLimitExceeded"
    (pod,) = pods_of(store, f"image-pruner-{MINUTE}")
    assert pod["status"]["phase"] == "Failed"
    assert "error: " in pod_logs.path(pod["metadata"]["name"]).read_text()
    assert conditions(store)["Failed"] == ("True", "JobFailed")


def test_a_served_pruner_runs_on_its_schedule_and_prunes(tmp_path: Path) -> None:
    """Every minute, keeping one revision: the first run after the pushes prunes the older."""
    args = ["--workers", "1", "--gc-grace", "1"]
    server = RunningServer(tmp_path / "data", tmp_path / "server.log", args).start()
    oc = Cli(tmp_path / "kube" / "config", tmp_path, server)
    try:
        oc("login", server.api_url, "-u", "kubeadmin", "-p", server.kubeadmin_password)
        old, new = image(layers=1), image(layers=1)
        with server.registry_client() as client:
            for img in (old, new):
                assert push_image(client, "test/app", img, "latest").status_code == 201
        time.sleep(1)  # past the grace: the pushes may be pruned
        spec = {"schedule": "* * * * *", "keepTagRevisions": 1, "keepYoungerThanDuration": "0s"}
        oc(
            "patch",
            "imagepruners.imageregistry.operator.openshift.io/cluster",
            "--type=merge",
            "-p",
            json.dumps({"spec": spec}),
        )

        def completed() -> bool:
            return "1/1" in oc("get", "jobs", "-n", NAMESPACE)

        wait_for(completed, "a pruner job to complete", timeout=90)
        listed = oc("get", "jobs", "-n", NAMESPACE).splitlines()
        assert listed[0].split() == ["NAME", "COMPLETIONS", "DURATION", "AGE"]
        name = listed[1].split()[0]
        log = oc("logs", f"job/{name}", "-n", NAMESPACE)
        assert f"Deleting image {old.digest}" in log
        assert "Summary: deleted 1 image object(s)" in log
        with server.registry_client() as client:
            assert client.get(f"/v2/test/app/manifests/{old.digest}").status_code == 404
            assert client.get(f"/v2/test/app/manifests/{new.digest}").status_code == 200
    finally:
        server.stop()
