"""batch/v1: Job, a read-only record of each run of the image pruner (with its pod and log)."""

from moorage.resources.base import Open
from moorage.resources.core import TopLevel
from moorage.resources.kinds import Kind


class Job(TopLevel):
    """Written by the operator; read, and deleted, by everyone else."""

    spec: Open | None = None
    status: Open | None = None


KINDS = [
    Kind(
        "batch",
        "v1",
        "Job",
        "jobs",
        "job",
        True,
        Job,
        verbs=("delete", "get", "list", "watch"),
    ),
]
