"""imageregistry.operator.openshift.io/v1 ImagePruner: the scheduled image pruner (singleton
`cluster`), with OpenShift's fields (openshift/api imageregistry/v1 ImagePrunerSpec)."""

import re
from typing import Any

from pydantic import Field, field_validator

from moorage.resources import cron
from moorage.resources.base import Open, Strict
from moorage.resources.core import TopLevel
from moorage.resources.kinds import Kind
from moorage.resources.operator import DURATION, GROUP, SINGLETON, LogLevel

DEFAULT_SCHEDULE = "0 0 * * *"
DEFAULT_AGE = "60m"


class ImagePrunerSpec(Strict):
    schedule: str = DEFAULT_SCHEDULE
    suspend: bool = False
    keep_tag_revisions: int = Field(default=3, ge=0)
    keep_younger_than: int | None = Field(default=None, ge=0)  # deprecated: nanoseconds
    keep_younger_than_duration: str | None = None  # wins over keepYoungerThan; else 60m
    successful_jobs_history_limit: int = Field(default=3, ge=0)
    failed_jobs_history_limit: int = Field(default=3, ge=0)
    ignore_invalid_image_references: bool = False
    log_level: LogLevel = "Normal"
    # Scheduling on a cluster: accepted as written, meaningless on one host.
    resources: Open | None = None
    affinity: Open | None = None
    node_selector: dict[str, str] | None = None
    tolerations: list[dict[str, Any]] | None = None

    @field_validator("schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        try:
            cron.parse(value)
        except cron.InvalidSchedule as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("keep_younger_than_duration")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None and not DURATION.match(value):
            raise ValueError(f"{value!r} is not a duration such as 30m or 1h30m")
        return value


class ImagePruner(TopLevel):
    spec: ImagePrunerSpec = Field(default_factory=ImagePrunerSpec)
    status: Open | None = None


KINDS = [
    Kind(
        GROUP,
        "v1",
        "ImagePruner",
        "imagepruners",
        "imagepruner",
        False,
        ImagePruner,
        subresources=("status",),
        name_pattern=re.compile(rf"^{SINGLETON}$"),
    ),
]
