"""image.openshift.io/v1: images, image streams, and the tags, images and mappings of a stream."""

import re
from typing import Annotated, Literal

from pydantic import Field

from moorage.content.names import TAG_PATTERN
from moorage.resources.base import Open, Strict
from moorage.resources.core import TopLevel
from moorage.resources.kinds import Kind

GROUP = "image.openshift.io"
IMAGE_NAME = re.compile(r"^[a-z0-9]+:[a-f0-9]{32,128}$")
READ_ONLY = ("get", "list", "watch")
# What the registry can serve: a tag by the distribution spec's grammar.
TagName = Annotated[str, Field(pattern=TAG_PATTERN)]


class ObjectReference(Strict):
    kind: str
    name: str
    namespace: str | None = None


class TagImportPolicy(Strict):
    insecure: bool | None = None
    scheduled: bool | None = None
    import_mode: Literal["Legacy", "PreserveOriginal"] | None = None


class TagReferencePolicy(Strict):
    type: Literal["Source", "Local"] = "Source"


class TagReference(Strict):
    name: TagName
    annotations: dict[str, str] | None = None
    from_: ObjectReference | None = Field(default=None, alias="from")
    reference: bool | None = None
    generation: int | None = None
    import_policy: TagImportPolicy | None = None
    reference_policy: TagReferencePolicy | None = None


class LookupPolicy(Strict):
    local: bool = False


class ImageStreamSpec(Strict):
    lookup_policy: LookupPolicy | None = None
    docker_image_repository: str | None = None
    tags: list[TagReference] | None = None


class ImageStream(TopLevel):
    spec: ImageStreamSpec | None = None
    status: Open | None = None  # rendered from the registry's tags, never stored


class ImageLayer(Strict):
    name: str
    size: int
    media_type: str


class ImageManifest(Strict):
    digest: str
    media_type: str
    manifest_size: int
    architecture: str | None = None
    os: str | None = None
    variant: str | None = None


class Image(TopLevel):
    docker_image_reference: str | None = None
    docker_image_metadata: Open | None = None
    docker_image_metadata_version: str | None = None
    docker_image_manifest: str | None = None
    docker_image_layers: list[ImageLayer] | None = None
    docker_image_manifest_media_type: str | None = None
    docker_image_config: str | None = None
    docker_image_manifests: list[ImageManifest] | None = None
    docker_image_signatures: list[str] | None = None
    signatures: list[Open] | None = None


class ImageStreamTag(TopLevel):
    tag: TagReference | None = None
    generation: int | None = None
    lookup_policy: LookupPolicy | None = None
    conditions: list[Open] | None = None
    image: Image | None = None


class ImageStreamImage(TopLevel):
    image: Image | None = None


class DeletedImageStreamTag(TopLevel):
    """A tag deleted less than the restore window ago (Moorage's; OpenShift has none): what it
    served, when it went, and until when `moorage tag --restore` can bring it back."""

    image: str
    deleted: str
    restorable_until: str


class ImageStreamMapping(TopLevel):
    image: Image
    tag: TagName


class LocalObjectReference(Strict):
    name: TagName


class ImageImportSpec(Strict):
    from_: ObjectReference = Field(alias="from")
    to: LocalObjectReference | None = None
    import_policy: TagImportPolicy | None = None
    reference_policy: TagReferencePolicy | None = None
    include_manifest: bool | None = None


class RepositoryImportSpec(Strict):
    from_: ObjectReference = Field(alias="from")
    import_policy: TagImportPolicy | None = None
    reference_policy: TagReferencePolicy | None = None
    include_manifest: bool | None = None


class ImageStreamImportSpec(Strict):
    import_: bool = Field(default=False, alias="import")
    repository: RepositoryImportSpec | None = None
    images: list[ImageImportSpec] | None = None


class ImageStreamImport(TopLevel):
    """Asks the server to import images from other registries; answered, never stored."""

    spec: ImageStreamImportSpec
    status: Open | None = None


ISTAG_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:[\w][\w.-]{0,127}$")

KINDS = [
    Kind(
        GROUP,
        "v1",
        "Image",
        "images",
        "image",
        False,
        Image,
        verbs=("get", "list", "watch", "delete", "update", "patch"),
        name_pattern=IMAGE_NAME,
    ),
    Kind(
        GROUP,
        "v1",
        "ImageStream",
        "imagestreams",
        "imagestream",
        True,
        ImageStream,
        ("is",),
        subresources=("status",),
    ),
    Kind(
        GROUP,
        "v1",
        "ImageStreamTag",
        "imagestreamtags",
        "imagestreamtag",
        True,
        ImageStreamTag,
        ("istag",),
        verbs=("create", "delete", "get", "list", "patch", "update"),
        name_pattern=ISTAG_NAME,
    ),
    Kind(
        GROUP,
        "v1",
        "DeletedImageStreamTag",
        "deletedimagestreamtags",
        "deletedimagestreamtag",
        True,
        DeletedImageStreamTag,
        ("distag",),
        verbs=("get", "list"),
        name_pattern=ISTAG_NAME,
    ),
    Kind(
        GROUP,
        "v1",
        "ImageStreamImage",
        "imagestreamimages",
        "imagestreamimage",
        True,
        ImageStreamImage,
        ("isimage",),
        verbs=("get",),
        name_pattern=re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?@[a-z0-9]+:[a-f0-9]{32,128}$"),
    ),
    Kind(
        GROUP,
        "v1",
        "ImageStreamMapping",
        "imagestreammappings",
        "imagestreammapping",
        True,
        ImageStreamMapping,
        verbs=("create",),
    ),
    Kind(
        GROUP,
        "v1",
        "ImageStreamImport",
        "imagestreamimports",
        "imagestreamimport",
        True,
        ImageStreamImport,
        verbs=("create",),
    ),
]
