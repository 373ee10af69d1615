"""The image pruner's runs as Kubernetes shows a CronJob's: a Job per run
(`image-pruner-<scheduled minute since the epoch>`, as the CronJob controller names them)
with one Pod, whose log is the run's report (`moorage logs job/NAME`); the oldest finished
Jobs beyond the history limits go with their pods and logs."""

import re
import secrets
import time
from dataclasses import dataclass

from moorage.operator.first_start import NAMESPACE
from moorage.platform.pod_logs import PodLogs, stamp
from moorage.resources.objects import Object
from moorage.store.resources import Ref, ResourceStore, now

CRONJOB = "image-pruner"
MINUTE = re.compile(rf"^{CRONJOB}-[0-9]+$")
CONTAINER = "image-pruner"
BACKOFF = "Job has reached the specified backoff limit"


@dataclass(frozen=True)
class JobRun:
    name: str
    pod: str


def job_ref(name: str) -> Ref:
    return Ref("batch", "jobs", NAMESPACE, name)


def pod_ref(name: str) -> Ref:
    return Ref("", "pods", NAMESPACE, name)


def job_name(minute: int) -> str:
    return f"{CRONJOB}-{minute}"


def start(store: ResourceStore, name: str) -> JobRun | None:
    """The Job and its running Pod; None when that run's Job exists (it ran already)."""
    run = JobRun(name, f"{name}-{secrets.token_hex(3)[:5]}")
    labels = {"job-name": name}
    job: Object = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
        "spec": {
            "parallelism": 1,
            "completions": 1,
            "backoffLimit": 0,
            "selector": {"matchLabels": labels},
        },
        "status": {"startTime": now(), "active": 1},
    }
    pod: Object = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": run.pod, "namespace": NAMESPACE, "labels": labels},
        "spec": {"containers": [{"name": CONTAINER}], "restartPolicy": "Never"},
        "status": _pod_status("Running", {"running": {"startedAt": now()}}),
    }
    with store.transaction() as tx:
        if tx.get(job_ref(name)) is not None:
            return None
        tx.create(job_ref(name), job)
        tx.create(pod_ref(run.pod), pod)
    return run


def write_log(logs: PodLogs, run: JobRun, lines: list[str]) -> None:
    with logs.path(run.pod).open("a", encoding="utf-8") as log:
        for line in lines:
            log.write(f"{stamp(time.time_ns())} {line}\n")


def finish(store: ResourceStore, run: JobRun, succeeded: bool) -> None:
    ended = now()
    outcome = "succeeded" if succeeded else "failed"
    condition = {
        "type": "Complete" if succeeded else "Failed",
        "status": "True",
        "lastProbeTime": ended,
        "lastTransitionTime": ended,
    }
    if not succeeded:
        condition.update(reason="BackoffLimitExceeded", message=BACKOFF)
    terminated = {
        "exitCode": 0 if succeeded else 1,
        "reason": "Completed" if succeeded else "Error",
        "finishedAt": ended,
    }
    with store.transaction() as tx:
        job = tx.require(job_ref(run.name))
        status = {k: v for k, v in job["status"].items() if k != "active"}
        status.update({outcome: 1, "conditions": [condition]})
        if succeeded:
            status["completionTime"] = ended
        tx.update(job_ref(run.name), {**job, "status": status})
        pod = tx.get(pod_ref(run.pod))
        if pod is not None:
            phase = "Succeeded" if succeeded else "Failed"
            pod_status = _pod_status(phase, {"terminated": terminated})
            tx.update(pod_ref(run.pod), {**pod, "status": pod_status})


def _pod_status(phase: str, state: Object) -> Object:
    return {
        "phase": phase,
        "containerStatuses": [
            {"name": CONTAINER, "ready": phase == "Running", "restartCount": 0, "state": state}
        ],
    }


def trim(store: ResourceStore, logs: PodLogs, succeeded: int, failed: int) -> None:
    """Keep the newest `succeeded` successful and `failed` failed Jobs; the rest go."""
    with store.transaction() as tx:
        jobs = [
            j
            for j in tx.list("batch", "jobs", NAMESPACE).items
            if MINUTE.match(j["metadata"]["name"]) and "active" not in j["status"]
        ]
        pods = tx.list("", "pods", NAMESPACE).items
        for outcome, limit in (("succeeded", succeeded), ("failed", failed)):
            ended = sorted(
                (j for j in jobs if outcome in j["status"]),
                key=lambda j: int(j["metadata"]["name"].rsplit("-", 1)[1]),
                reverse=True,
            )
            for job in ended[limit:]:
                name = job["metadata"]["name"]
                tx.delete(job_ref(name))
                for pod in pods:
                    if (pod["metadata"].get("labels") or {}).get("job-name") == name:
                        tx.delete(pod_ref(pod["metadata"]["name"]))
                        logs.remove(pod["metadata"]["name"])
