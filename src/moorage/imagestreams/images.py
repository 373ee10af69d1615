"""The Image object for a pushed manifest (cluster-scoped, named by digest)."""

import json

from moorage.content.manifest import Descriptor, PushedManifest
from moorage.resources.objects import Object


def image_object(pushed: PushedManifest, reference: str) -> Object:
    manifest = pushed.manifest
    image: Object = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "Image",
        "metadata": {"name": pushed.digest},
        "dockerImageReference": reference,
        "dockerImageManifestMediaType": manifest.media_type,
        "dockerImageMetadataVersion": "1.0",
    }
    if manifest.children:
        image["dockerImageManifests"] = [_child(d) for d in manifest.children]
    else:
        layers = [d for d in manifest.blobs if manifest.config is None or d != manifest.config]
        image["dockerImageLayers"] = [
            {"name": d.digest, "size": d.size, "mediaType": d.media_type} for d in layers
        ]
        image["dockerImageMetadata"] = _metadata(pushed)
        if pushed.config is not None:
            image["dockerImageConfig"] = json.dumps(pushed.config)
    return image


def _child(descriptor: Descriptor) -> Object:
    platform = descriptor.platform or {}
    child: Object = {
        "digest": descriptor.digest,
        "mediaType": descriptor.media_type,
        "manifestSize": descriptor.size,
    }
    for key in ("architecture", "os", "variant"):
        if platform.get(key):
            child[key] = platform[key]
    return child


def _metadata(pushed: PushedManifest) -> Object:
    """The DockerImage metadata OpenShift derives from the image config."""
    config = pushed.config or {}
    manifest = pushed.manifest
    size = sum(d.size for d in manifest.blobs)
    metadata: Object = {
        "kind": "DockerImage",
        "apiVersion": "image.openshift.io/1.0",
        "Id": manifest.config.digest if manifest.config else pushed.digest,
        "Size": size,
    }
    for source, target in (
        ("created", "Created"),
        ("architecture", "Architecture"),
        ("os", "Os"),
        ("author", "Author"),
    ):
        if config.get(source):
            metadata[target] = config[source]
    if isinstance(config.get("config"), dict):
        metadata["Config"] = config["config"]
    return metadata
