"""image.openshift.io/v1 ImagePrune: a prune of images asked of the server, answered at once
with what it deleted (or, unless `confirm`, would delete), never stored.

OpenShift has no such kind: `oc adm prune images` prunes through many API and registry
calls from the client. Moorage prunes in the server, each stream in one transaction beside
live pushes (imagestreams/pruner.py); the spec carries `oc adm prune images`' options.
"""

from pydantic import Field, field_validator

from moorage.resources.base import ObjectMeta, Open, Strict
from moorage.resources.core import TopLevel
from moorage.resources.kinds import Kind
from moorage.resources.operator import DURATION

GROUP = "image.openshift.io"


class ImagePruneSpec(Strict):
    keep_tag_revisions: int = Field(default=3, ge=0)
    keep_younger_than_duration: str = "60m"
    prune_registry: bool = True
    confirm: bool = False
    namespace: str | None = None
    all: bool = True  # also images another registry serves (imported)

    @field_validator("keep_younger_than_duration")
    @classmethod
    def _duration(cls, value: str) -> str:
        if not DURATION.match(value):
            raise ValueError(f"{value!r} is not a duration such as 0s, 30m or 1h30m")
        return value


class ImagePrune(TopLevel):
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    spec: ImagePruneSpec = Field(default_factory=ImagePruneSpec)
    status: Open | None = None


KINDS = [
    Kind(
        GROUP,
        "v1",
        "ImagePrune",
        "imageprunes",
        "imageprune",
        False,
        ImagePrune,
        verbs=("create",),
        named=False,
    ),
]
