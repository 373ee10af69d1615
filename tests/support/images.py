"""Building test images in memory, writing them as OCI layouts, pushing them over HTTP."""

import gzip
import hashlib
import io
import json
import os
import tarfile
from dataclasses import dataclass
from pathlib import Path

import httpx

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar"
OCI_LAYER_GZIP = OCI_LAYER + "+gzip"
DOCKER_LAYER_GZIP = DOCKER_LAYER + ".gzip"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type: str, data: bytes, **extra: object) -> dict[str, object]:
    return {"mediaType": media_type, "digest": digest_of(data), "size": len(data), **extra}


def layer(size: int = 4096, name: str = "file") -> bytes:
    """An uncompressed tar holding one file of `size` random bytes."""
    payload = os.urandom(size)
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = size
        tar.addfile(info, io.BytesIO(payload))
    return out.getvalue()


@dataclass
class Image:
    config: bytes
    layers: list[bytes]
    manifest: bytes
    media_type: str

    @property
    def digest(self) -> str:
        return digest_of(self.manifest)

    @property
    def blobs(self) -> list[bytes]:
        return [self.config, *self.layers]


def image(
    layers: int = 2,
    layer_size: int = 4096,
    docker: bool = False,
    arch: str = "amd64",
    compressed: bool = False,
    labels: dict[str, str] | None = None,
) -> Image:
    """A runnable-shaped image: an OCI (or Docker schema 2) manifest over tar layers.

    `compressed` gzips the layers, as registries usually hold them (clients that
    push to a registry compress uncompressed layers, which changes their digests).
    `labels` go into the config's Labels, as a Containerfile's LABEL puts them.
    """
    contents = [layer(layer_size, f"file{i}") for i in range(layers)]
    blobs = [gzip.compress(c, mtime=0) for c in contents] if compressed else contents
    config = json.dumps(
        {
            "architecture": arch,
            "os": "linux",
            "config": {"Labels": labels} if labels else {},
            "rootfs": {"type": "layers", "diff_ids": [digest_of(c) for c in contents]},
        }
    ).encode()
    media_type, config_type, layer_type = (
        (DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER_GZIP if compressed else DOCKER_LAYER)
        if docker
        else (OCI_MANIFEST, OCI_CONFIG, OCI_LAYER_GZIP if compressed else OCI_LAYER)
    )
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": descriptor(config_type, config),
            "layers": [descriptor(layer_type, b) for b in blobs],
        }
    ).encode()
    return Image(config, blobs, manifest, media_type)


def index(images: list[Image]) -> bytes:
    """An OCI index naming each image with the platform its config declares."""
    manifests = []
    for img in images:
        arch = json.loads(img.config)["architecture"]
        platform = {"architecture": arch, "os": "linux"}
        manifests.append(descriptor(img.media_type, img.manifest, platform=platform))
    return json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}).encode()


def write_oci_layout(root: Path, tagged: dict[str, bytes], images: list[Image]) -> Path:
    """An OCI image layout at `root`: every image's blobs, and `tagged` manifests named by tag."""
    blobs = root / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    for img in images:
        for data in (*img.blobs, img.manifest):
            (blobs / digest_of(data).removeprefix("sha256:")).write_bytes(data)
    entries = []
    for tag, manifest in tagged.items():
        (blobs / digest_of(manifest).removeprefix("sha256:")).write_bytes(manifest)
        media_type = json.loads(manifest).get("mediaType", OCI_MANIFEST)
        ref = {"org.opencontainers.image.ref.name": tag}
        entries.append(descriptor(media_type, manifest, annotations=ref))
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": entries}))
    return root


def push_blob(client: httpx.Client, repository: str, data: bytes) -> httpx.Response:
    """A monolithic upload: POST with ?digest= and the whole body."""
    return client.post(
        f"/v2/{repository}/blobs/uploads/",
        params={"digest": digest_of(data)},
        content=data,
        headers={"Content-Type": "application/octet-stream"},
    )


def push_image(client: httpx.Client, repository: str, img: Image, tag: str) -> httpx.Response:
    for blob in img.blobs:
        assert push_blob(client, repository, blob).status_code == 201
    return client.put(
        f"/v2/{repository}/manifests/{tag}",
        content=img.manifest,
        headers={"Content-Type": img.media_type},
    )


OCI_EMPTY = "application/vnd.oci.empty.v1+json"
EMPTY_CONFIG = b"{}"


def artifact(
    subject: bytes | None = None,
    artifact_type: str | None = None,
    config_type: str = OCI_EMPTY,
    annotations: dict[str, str] | None = None,
    payload: bytes | None = None,
    subject_type: str = OCI_MANIFEST,
) -> Image:
    """An OCI image manifest used as an artifact, optionally referring to `subject`."""
    config = EMPTY_CONFIG if config_type == OCI_EMPTY else b'{"kind": "artifact"}'
    blob = os.urandom(64) if payload is None else payload
    doc: dict[str, object] = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": descriptor(config_type, config),
        "layers": [descriptor("application/octet-stream", blob)],
    }
    if artifact_type is not None:
        doc["artifactType"] = artifact_type
    if subject is not None:
        doc["subject"] = descriptor(subject_type, subject)
    if annotations:
        doc["annotations"] = annotations
    return Image(config, [blob], json.dumps(doc).encode(), OCI_MANIFEST)
