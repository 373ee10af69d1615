"""Health checks are seen on a running cluster, as the operator's tests run one."""

from tests.operator.conftest import cluster, oc

__all__ = ["cluster", "oc"]
