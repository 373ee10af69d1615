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
from moorage.resources.objects import Object
from moorage.resources.operator import DURATION

GROUP = "image.openshift.io"
DRY_RUN = "Dry run enabled - no modifications will be made. Add --confirm to remove images"
API_ONLY = "Only API objects will be removed.  No modifications to the image registry will be made."
LINES = {
    "TagItem": "Deleting tag history item {digest} of {repository}:{tag}",
    "ManifestLink": "Deleting manifest link {digest} in repository {repository}",
    "LayerLink": "Deleting layer link {digest} in repository {repository}",
    "Blob": "Deleting blob {digest} ({size} bytes)",
    "Image": "Deleting image {digest}",
}


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


def report(status: Object, confirm: bool, prune_registry: bool) -> list[str]:
    """What `oc adm prune images` prints, from an ImagePrune's status."""
    lines = [] if confirm else [DRY_RUN]
    if not prune_registry:
        lines.append(API_ONLY)
    for deleted in status["deleted"]:
        lines.append(LINES[deleted["kind"]].format_map({"repository": "", "tag": "", **deleted}))
    summary = status["summary"]
    lines.append(
        f"Summary: deleted {summary['images']} image object(s), "
        f"deleted {summary['tagItems']} image stream tag item(s), "
        f"updated {summary['imageStreams']} image stream(s), "
        f"deleted {summary['layerLinks']} layer link(s), "
        f"deleted {summary['manifestLinks']} manifest link(s), "
        f"deleted {summary['blobs']} blob(s)"
    )
    if summary["blobs"]:
        lines.append(
            f"{'Freeing' if confirm else 'Would free'} {summary['blobBytes']} bytes: blobs no "
            "repository links are deleted by the registry's garbage collector once unused for "
            "its grace period (moorage serve --gc-grace)"
        )
    return lines
