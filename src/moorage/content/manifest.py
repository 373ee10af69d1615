"""Parsing and validating manifests and indexes before they are stored.

A manifest's bytes are never rewritten: what we keep is the exact body the
client sent, addressed by its digest. Parsing extracts only what the registry
must check (referenced blobs and child manifests) and index (subject,
artifactType, annotations for the referrers API).
"""

import json
from dataclasses import dataclass, field
from typing import Any

from moorage.content import mediatypes as mt
from moorage.content.digest import Digest
from moorage.content.errors import DigestInvalid, ManifestInvalid

MAX_MANIFEST_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Descriptor:
    media_type: str
    digest: str
    size: int
    artifact_type: str | None = None
    annotations: dict[str, str] | None = None
    urls: tuple[str, ...] = ()
    platform: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mediaType": self.media_type, "digest": self.digest}
        out["size"] = self.size
        if self.artifact_type:
            out["artifactType"] = self.artifact_type
        if self.annotations:
            out["annotations"] = self.annotations
        return out


@dataclass(frozen=True, slots=True)
class Manifest:
    media_type: str
    config: Descriptor | None = None
    blobs: tuple[Descriptor, ...] = ()
    children: tuple[Descriptor, ...] = ()
    subject: Descriptor | None = None
    artifact_type: str | None = None
    annotations: dict[str, str] = field(default_factory=dict)


def parse_manifest(body: bytes, content_type: str) -> Manifest:
    """Validate `body` as the manifest kind `content_type` names and return what it references."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ManifestInvalid(f"manifest is not valid JSON: {exc}") from None
    except RecursionError:
        raise ManifestInvalid("manifest is nested too deeply to be a manifest") from None
    if not isinstance(doc, dict):
        raise ManifestInvalid("manifest must be a JSON object")
    media_type = _media_type(doc, content_type.split(";")[0].strip().lower())
    if doc.get("schemaVersion") != 2:
        raise ManifestInvalid("schemaVersion must be 2")
    if media_type in mt.INDEXES:
        return _parse_index(doc, media_type)
    return _parse_image(doc, media_type)


def _media_type(doc: dict[str, Any], content_type: str) -> str:
    declared = doc.get("mediaType")
    if declared is not None and not isinstance(declared, str):
        raise ManifestInvalid("mediaType must be a string")
    if content_type not in mt.GENERIC:
        if content_type not in mt.MANIFESTS:
            raise ManifestInvalid(f"unsupported manifest media type {content_type!r}")
        if declared is not None and declared != content_type:
            raise ManifestInvalid(
                f"mediaType {declared!r} does not match Content-Type {content_type!r}"
            )
        return content_type
    if declared is not None:
        if declared not in mt.MANIFESTS:
            raise ManifestInvalid(f"unsupported manifest media type {declared!r}")
        return declared
    # An OCI manifest may omit mediaType; its shape tells which kind it is.
    if "manifests" in doc:
        return mt.OCI_INDEX
    if "config" in doc:
        return mt.OCI_MANIFEST
    raise ManifestInvalid("cannot tell the manifest's media type: set Content-Type or mediaType")


def _parse_image(doc: dict[str, Any], media_type: str) -> Manifest:
    config = _descriptor(doc.get("config"), "config")
    layers_doc = doc.get("layers")
    if not isinstance(layers_doc, list):
        raise ManifestInvalid("layers must be a list")
    layers = [_descriptor(layer, f"layers[{i}]") for i, layer in enumerate(layers_doc)]
    if media_type == mt.DOCKER_MANIFEST and not layers:
        raise ManifestInvalid("a Docker schema 2 manifest needs at least one layer")
    # The referrers API types a manifest without artifactType by its config, images included.
    artifact_type = _optional_str(doc, "artifactType") or config.media_type
    # Foreign layers live elsewhere (their urls say where): nothing to check here.
    local = tuple(d for d in (config, *layers) if not d.urls)
    return Manifest(
        media_type=media_type,
        config=config,
        blobs=local,
        subject=_subject(doc),
        artifact_type=artifact_type,
        annotations=_annotations(doc.get("annotations"), "annotations"),
    )


def _parse_index(doc: dict[str, Any], media_type: str) -> Manifest:
    entries = doc.get("manifests")
    if not isinstance(entries, list):
        raise ManifestInvalid("manifests must be a list")
    children = tuple(_descriptor(e, f"manifests[{i}]") for i, e in enumerate(entries))
    return Manifest(
        media_type=media_type,
        children=children,
        subject=_subject(doc),
        artifact_type=_optional_str(doc, "artifactType"),
        annotations=_annotations(doc.get("annotations"), "annotations"),
    )


def _subject(doc: dict[str, Any]) -> Descriptor | None:
    return _descriptor(doc["subject"], "subject") if "subject" in doc else None


def _descriptor(value: Any, where: str) -> Descriptor:
    if not isinstance(value, dict):
        raise ManifestInvalid(f"{where} must be a descriptor object")
    media_type = value.get("mediaType")
    if not isinstance(media_type, str) or not media_type:
        raise ManifestInvalid(f"{where}.mediaType must be a non-empty string")
    size = value.get("size")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ManifestInvalid(f"{where}.size must be a non-negative integer")
    digest = value.get("digest")
    if not isinstance(digest, str):
        raise ManifestInvalid(f"{where}.digest must be a string")
    try:
        Digest.parse(digest)
    except DigestInvalid as exc:
        raise ManifestInvalid(f"{where}.digest: {exc.message}") from None
    urls = value.get("urls") or ()
    if not isinstance(urls, list | tuple) or not all(isinstance(u, str) for u in urls):
        raise ManifestInvalid(f"{where}.urls must be a list of strings")
    return Descriptor(
        media_type=media_type,
        digest=digest,
        size=size,
        artifact_type=_optional_str(value, "artifactType", where),
        annotations=_annotations(value.get("annotations"), f"{where}.annotations") or None,
        urls=tuple(urls),
        platform=value["platform"] if isinstance(value.get("platform"), dict) else None,
    )


def _optional_str(doc: dict[str, Any], key: str, where: str = "") -> str | None:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise ManifestInvalid(f"{where + '.' if where else ''}{key} must be a string")
    return value


def _annotations(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ManifestInvalid(f"{where} must map strings to strings")
    return value


@dataclass(frozen=True, slots=True)
class PushedManifest:
    """A manifest as it lands in a repository, with its image config when it has one."""

    digest: str
    size: int
    manifest: Manifest
    config: dict[str, Any] | None = None
