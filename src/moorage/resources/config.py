"""config.openshift.io/v1: ClusterOperator, how each operator says it is doing."""

from pydantic import Field

from moorage.resources.base import Open
from moorage.resources.core import TopLevel
from moorage.resources.kinds import Kind

GROUP = "config.openshift.io"


class ClusterOperator(TopLevel):
    spec: Open = Field(default_factory=Open)
    status: Open | None = None


KINDS = [
    Kind(
        GROUP,
        "v1",
        "ClusterOperator",
        "clusteroperators",
        "clusteroperator",
        False,
        ClusterOperator,
        ("co",),
        subresources=("status",),
    ),
]
