"""apps/v1: Deployment, a read-only view of what the platform runs (the registry's)."""

from moorage.resources.base import Open
from moorage.resources.core import TopLevel
from moorage.resources.kinds import Kind


class Deployment(TopLevel):
    """Written by the operator, read by everyone else."""

    spec: Open | None = None
    status: Open | None = None


KINDS = [
    Kind(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        "deployment",
        True,
        Deployment,
        ("deploy",),
        verbs=("get", "list", "watch"),
    ),
]
