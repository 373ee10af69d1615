"""A many-layer image as an OCI layout (the idea of tests/support/images.py), moved by skopeo."""

import hashlib
import io
import json
import os
import subprocess
import tarfile
import time
from pathlib import Path

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type: str, data: bytes) -> dict[str, object]:
    return {"mediaType": media_type, "digest": digest_of(data), "size": len(data)}


def layer(size: int, name: str) -> bytes:
    """An uncompressed tar holding one file of `size` random bytes."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        info = tarfile.TarInfo(name)
        info.size = size
        tar.addfile(info, io.BytesIO(os.urandom(size)))
    return out.getvalue()


def write_blob(root: Path, data: bytes) -> None:
    (root / "blobs" / "sha256" / digest_of(data).removeprefix("sha256:")).write_bytes(data)


def oci_layout(root: Path, layers: int, layer_size: int, tag: str = "v1") -> Path:
    """An OCI layout at `root` holding one image of `layers` fresh random layers."""
    (root / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    contents = [layer(layer_size, f"file{i}") for i in range(layers)]
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [digest_of(c) for c in contents]},
        }
    ).encode()
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptor(OCI_CONFIG, config),
            "layers": [descriptor(OCI_LAYER, c) for c in contents],
        }
    ).encode()
    for data in (*contents, config, manifest):
        write_blob(root, data)
    entry = descriptor(OCI_MANIFEST, manifest)
    entry["annotations"] = {"org.opencontainers.image.ref.name": tag}
    (root / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    (root / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [entry]}))
    return root


def skopeo_copy(source: str, dest: str, creds: str | None = None) -> float:
    """`skopeo copy` over plain HTTP (with USER:PASSWORD for the registry end); wall seconds."""
    command = ["skopeo", "copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false"]
    if creds:
        side = "--src-creds" if source.startswith("docker://") else "--dest-creds"
        command.append(f"{side}={creds}")
    began = time.perf_counter()
    done = subprocess.run([*command, source, dest], capture_output=True, text=True, timeout=600)
    took = time.perf_counter() - began
    if done.returncode:
        raise RuntimeError(f"skopeo copy {source} {dest} failed:\n{done.stderr}")
    return took
