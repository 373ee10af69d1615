"""What the pages show, drawn from the API's objects as it serves them."""

from dataclasses import dataclass
from typing import Any

from moorage.resources.objects import Object

DISPLAY_NAME = "openshift.io/display-name"


@dataclass(frozen=True)
class ProjectRow:
    name: str
    display_name: str
    phase: str
    created: str


@dataclass(frozen=True)
class StreamRow:
    name: str
    tags: list[str]
    updated: str


@dataclass(frozen=True)
class TagEntry:
    image: str
    created: str


@dataclass(frozen=True)
class TagHistory:
    tag: str
    pull: str
    entries: list[TagEntry]


@dataclass(frozen=True)
class Layer:
    digest: str
    size: int
    media_type: str


@dataclass(frozen=True)
class Platform:
    digest: str
    os: str
    architecture: str
    variant: str
    media_type: str


@dataclass(frozen=True)
class ImageView:
    digest: str
    media_type: str
    size: int | None
    created: str
    author: str
    platform: str
    layers: list[Layer]
    labels: list[tuple[str, str]]
    platforms: list[Platform]


def project_row(project: Object) -> ProjectRow:
    meta = project["metadata"]
    return ProjectRow(
        meta["name"],
        (meta.get("annotations") or {}).get(DISPLAY_NAME, ""),
        (project.get("status") or {}).get("phase", ""),
        meta.get("creationTimestamp", ""),
    )


def _status_tags(stream: Object) -> list[Object]:
    return list((stream.get("status") or {}).get("tags") or [])


def stream_row(stream: Object) -> StreamRow:
    tags = _status_tags(stream)
    times = [t["items"][0]["created"] for t in tags if t.get("items")]
    return StreamRow(stream["metadata"]["name"], [t["tag"] for t in tags], max(times, default=""))


def repository(stream: Object) -> str:
    """The stream's repository as pullers name it: the public one where the API gives it."""
    status = stream.get("status") or {}
    return str(status.get("publicDockerImageRepository") or status.get("dockerImageRepository"))


def tag_histories(stream: Object) -> list[TagHistory]:
    """Each tag, newest image first, with the command that pulls what it serves now."""
    where = repository(stream)
    return [
        TagHistory(
            tag["tag"],
            f"podman pull {where}:{tag['tag']}",
            [TagEntry(item["image"], item.get("created", "")) for item in tag.get("items") or []],
        )
        for tag in _status_tags(stream)
    ]


def image_view(image: Object) -> ImageView:
    metadata: dict[str, Any] = image.get("dockerImageMetadata") or {}
    labels = (metadata.get("Config") or {}).get("Labels") or {}
    os_arch = "/".join(p for p in (metadata.get("Os"), metadata.get("Architecture")) if p)
    return ImageView(
        digest=image["metadata"]["name"],
        media_type=image.get("dockerImageManifestMediaType", ""),
        size=metadata.get("Size"),
        created=metadata.get("Created", ""),
        author=metadata.get("Author", ""),
        platform=os_arch,
        layers=[
            Layer(layer["name"], layer.get("size", 0), layer.get("mediaType", ""))
            for layer in image.get("dockerImageLayers") or []
        ],
        labels=sorted((str(k), str(v)) for k, v in labels.items()),
        platforms=[_platform(child) for child in image.get("dockerImageManifests") or []],
    )


def _platform(child: Object) -> Platform:
    return Platform(
        child["digest"],
        child.get("os", ""),
        child.get("architecture", ""),
        child.get("variant", ""),
        child.get("mediaType", ""),
    )
