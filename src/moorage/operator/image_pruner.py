"""The ImagePruner's controller: runs the pruner on its schedule, as the CronJob OpenShift's
operator makes would, and reports Available, Scheduled and Failed.

Each run is `adm prune images --confirm` with the ImagePruner's keep values, in a thread of
the `moorage serve` parent, one at a time (a run still going when the next is due skips
it, as concurrencyPolicy Forbid does). It prunes registry storage only while the
registry's Config is Managed (specification 2.1); Removed or Unmanaged, image metadata
only. Schedules are read in UTC, minute by minute; a minute whose Job exists already (a
restart within it) does not run again.
"""

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

from moorage.imagestreams.prune_rules import Rules
from moorage.imagestreams.pruner import Pruner
from moorage.observability import logs
from moorage.operator import prune_jobs
from moorage.operator.durations import seconds
from moorage.operator.first_start import CONFIG, IMAGE_PRUNER, image_pruner
from moorage.operator.prune_jobs import BACKOFF, JobRun
from moorage.operator.status import Condition, render
from moorage.platform.pod_logs import PodLogs
from moorage.resources import cron
from moorage.resources.image_pruner import DEFAULT_AGE
from moorage.resources.objects import Object
from moorage.resources.prune import report
from moorage.store.errors import Conflict, Unavailable
from moorage.store.resources import ResourceStore

log = logging.getLogger("moorage.operator")


class ImagePrunerController:
    def __init__(
        self,
        store: ResourceStore,
        pruner: Pruner,
        pod_logs: PodLogs,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store, self._pruner, self._logs, self._clock = store, pruner, pod_logs, clock
        self._run: JobRun | None = None
        self._thread: threading.Thread | None = None
        self._succeeded = True
        self._last_failed: bool | None = None  # None until a run ends
        self._looked_at = -1  # the minute last checked against the schedule

    def tick(self) -> None:
        # The database is away, or the ImagePruner changed meanwhile: the next pass goes on.
        with contextlib.suppress(Unavailable, Conflict):
            self._reconcile()

    def wait(self, timeout: float | None = None) -> None:
        """Until the run in progress (if any) ends."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _reconcile(self) -> None:
        with self._store.reading() as tx:
            pruner, config = tx.get(IMAGE_PRUNER), tx.get(CONFIG)
        if pruner is None:
            with self._store.transaction() as tx:
                tx.create(IMAGE_PRUNER, image_pruner())
            return
        spec = pruner["spec"]
        self._end_run(spec)
        minute = int(self._clock() // 60)
        if minute != self._looked_at and not spec["suspend"] and self._thread is None:
            moment = datetime.fromtimestamp(minute * 60, UTC)
            if cron.parse(spec["schedule"]).due(moment):
                managed = config is not None and config["spec"]["managementState"] == "Managed"
                self._start(prune_jobs.job_name(minute), _rules(spec, managed, self._pruner))
        self._looked_at = minute
        self._report(pruner)

    def _start(self, name: str, rules: Rules) -> None:
        run = prune_jobs.start(self._store, name)
        if run is None:
            return
        logs.event(log, f"started job {prune_jobs.NAMESPACE}/{name}: pruning images")
        self._run = run
        self._thread = threading.Thread(target=self._prune, args=(run, rules), name=name)
        self._thread.start()

    def _prune(self, run: JobRun, rules: Rules) -> None:
        try:
            outcome = self._pruner.prune(rules, None, confirm=True)
            lines = report(outcome.status(), True, rules.prune_registry)
            self._succeeded = True
        except Exception as exc:  # whatever stops a run fails its Job, with why in its log
            log.exception(f"job {run.name} failed")
            lines, self._succeeded = [f"error: {exc}"], False
        prune_jobs.write_log(self._logs, run, lines)

    def _end_run(self, spec: Object) -> None:
        if self._thread is None or self._thread.is_alive() or self._run is None:
            return
        self._thread.join()
        prune_jobs.finish(self._store, self._run, self._succeeded)
        outcome = "completed" if self._succeeded else "failed"
        logs.event(log, f"job {prune_jobs.NAMESPACE}/{self._run.name} {outcome}")
        self._last_failed = not self._succeeded
        self._run = self._thread = None
        limits = spec["successfulJobsHistoryLimit"], spec["failedJobsHistoryLimit"]
        prune_jobs.trim(self._store, self._logs, *limits)

    def _report(self, pruner: Object) -> None:
        status = pruner.get("status") or {}
        now = _conditions(pruner["spec"]["suspend"], self._last_failed)
        new = render(now, status.get("conditions") or [])
        wanted = {
            **status,
            "observedGeneration": pruner["metadata"]["generation"],
            "conditions": new,
        }
        if wanted != status:
            with self._store.transaction() as tx:
                version = pruner["metadata"]["resourceVersion"]
                tx.update(IMAGE_PRUNER, {**pruner, "status": wanted}, version)


def _rules(spec: Object, managed: bool, pruner: Pruner) -> Rules:
    return Rules(
        keep_tag_revisions=spec["keepTagRevisions"],
        keep_younger_than=_age(spec),
        prune_registry=managed,
        grace=pruner.grace,
        restore_window=pruner.restore_window,
    )


def _age(spec: Object) -> float:
    """keepYoungerThanDuration, else the deprecated keepYoungerThan (nanoseconds), else 60m."""
    if "keepYoungerThanDuration" in spec:
        return seconds(spec["keepYoungerThanDuration"])
    if "keepYoungerThan" in spec:
        return spec["keepYoungerThan"] / 1e9
    return seconds(DEFAULT_AGE)


def _conditions(suspended: bool, last_failed: bool | None) -> list[Condition]:
    if suspended:
        scheduled = Condition("Scheduled", False, "Suspended", "The pruner job has been suspended")
    else:
        scheduled = Condition("Scheduled", True, "Scheduled", "The pruner job has been scheduled")
    if last_failed is None:
        failed = Condition("Failed", False, "NoJobs", "No pruner job has ended yet")
    elif last_failed:
        failed = Condition("Failed", True, "JobFailed", BACKOFF)
    else:
        failed = Condition("Failed", False, "Complete", "Job completed")
    available = Condition("Available", True, "AsExpected", "The pruner is ready")
    return [available, scheduled, failed]
