"""Import: read an image (or a repository's tags) from another registry and make the Image
objects for it, as a push makes them. Nothing is written here; `ImageStreams.record_import`
records what came back.

Legacy mode takes an index's manifest for this server's platform; PreserveOriginal keeps
the index itself. `--all` (a repository import) takes at most MAX_TAGS tags: `latest`,
then versions newest first, then the rest.
"""

import json
import platform
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from moorage.content.errors import ManifestInvalid
from moorage.content.manifest import Descriptor, Manifest, PushedManifest, parse_manifest
from moorage.content.mediatypes import IMAGE_CONFIGS
from moorage.imagestreams.images import image_object
from moorage.imagestreams.import_settings import ImportSettings
from moorage.resources.objects import Object
from moorage.upstream.client import Fetched, RegistryClient
from moorage.upstream.credentials import credentials_for
from moorage.upstream.errors import UpstreamError, UpstreamNotFound, UpstreamUnavailable
from moorage.upstream.references import BadReference, DockerReference, parse_reference

MAX_TAGS = 50
MAX_CONFIG_BYTES = 8 * 1024 * 1024
MAX_CHILDREN = 100  # manifests of an index imported whole
_ARCHITECTURES = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le"}


class InvalidSource(UpstreamError):
    reason = "Invalid"


@dataclass(frozen=True)
class Imported:
    """One image's import: its Image object, or why it failed."""

    source: DockerReference | None
    image: Object | None = None
    error: UpstreamError | None = None
    children: tuple[Object, ...] = ()  # PreserveOriginal: an Image for each of an index's

    @property
    def digest(self) -> str:
        assert self.image is not None
        return self.image["metadata"]["name"]


def source_of(name: str) -> DockerReference:
    """The reference a DockerImage `from` names; InvalidSource if it names none or a digest-less
    reference without a tag (which means `latest`)."""
    try:
        ref = parse_reference(name)
    except BadReference as exc:
        raise InvalidSource(str(exc)) from None
    return ref if ref.tag or ref.digest else ref.with_tag("latest")


def import_image(settings: ImportSettings, name: str, insecure: bool, mode: str) -> Imported:
    try:
        ref = source_of(name)
    except InvalidSource as exc:
        return Imported(None, error=exc)
    try:
        with connected(settings, ref, insecure) as upstream:
            image, children = _fetch(upstream, ref, mode)
        return Imported(ref, image, children=children)
    except UpstreamError as exc:
        return Imported(ref, error=exc)


def import_repository(
    settings: ImportSettings, name: str, insecure: bool, mode: str
) -> tuple[list[tuple[str, Imported]], list[str]]:
    """Every tag of the repository `name` (up to MAX_TAGS): (tag, import) pairs, and the tags
    left out. Raises UpstreamError when the repository itself cannot be read."""
    ref = source_of(name)
    with connected(settings, ref, insecure) as upstream:
        ordered = order_tags(upstream.tags(ref))
        done = []
        for tag in ordered[:MAX_TAGS]:
            tagged = ref.with_tag(tag)
            try:
                image, children = _fetch(upstream, tagged, mode)
                done.append((tag, Imported(tagged, image, children=children)))
            except UpstreamError as exc:
                done.append((tag, Imported(tagged, error=exc)))
    return done, ordered[MAX_TAGS:]


def order_tags(tags: list[str]) -> list[str]:
    """`latest`, then versions newest first, then the rest by name."""
    versions = [t for t in tags if _version(t) is not None]
    versions.sort(key=lambda t: _version(t) or (), reverse=True)
    rest = sorted(t for t in tags if t != "latest" and _version(t) is None)
    return (["latest"] if "latest" in tags else []) + versions + rest


def _version(tag: str) -> tuple[int, ...] | None:
    found = re.fullmatch(r"v?(\d+(?:\.\d+)*)", tag)
    return tuple(int(p) for p in found[1].split(".")) if found else None


@contextmanager
def connected(
    settings: ImportSettings, ref: DockerReference, insecure: bool
) -> Iterator[RegistryClient]:
    with client_for(settings, ref, insecure) as upstream:
        yield upstream


def client_for(settings: ImportSettings, ref: DockerReference, insecure: bool) -> RegistryClient:
    """A client of the registry `ref` names, as the settings reach it (the caller closes it);
    ImportForbidden when the cluster's rules refuse that registry."""
    settings.rules.check(ref)
    return RegistryClient(
        ref.api_host,
        settings.reach,
        credentials_for(ref, settings.secrets),
        insecure or settings.rules.allows_http(ref),
        refusal=settings.rules.host_refusal,
        allowance=settings.allowance,
    )


def _fetch(
    upstream: RegistryClient, ref: DockerReference, mode: str
) -> tuple[Object, tuple[Object, ...]]:
    """The Image `ref` names and, for an index kept whole, an Image for each of its manifests."""
    fetched = upstream.manifest(ref, ref.reference)
    manifest = _parsed(fetched.body, fetched.media_type, ref)
    if not manifest.children:
        return _image(upstream, ref, fetched, manifest), ()
    if mode != "PreserveOriginal":
        return _child(upstream, ref, _for_this_platform(manifest.children, ref).digest), ()
    children = tuple(_child(upstream, ref, c.digest) for c in manifest.children[:MAX_CHILDREN])
    return _image(upstream, ref, fetched, manifest), children


def _child(upstream: RegistryClient, ref: DockerReference, digest: str) -> Object:
    fetched = upstream.manifest(ref, digest)
    manifest = _parsed(fetched.body, fetched.media_type, ref)
    if manifest.children:
        raise UpstreamUnavailable(f"{ref}: an index within an index is not imported")
    return _image(upstream, ref, fetched, manifest)


def _image(
    upstream: RegistryClient, ref: DockerReference, fetched: Fetched, manifest: Manifest
) -> Object:
    config = None
    if manifest.config is not None and manifest.config.media_type in IMAGE_CONFIGS:
        config = _json(upstream.blob(ref, manifest.config.digest, MAX_CONFIG_BYTES), ref)
    pushed = PushedManifest(fetched.digest, len(fetched.body), manifest, config)
    return image_object(pushed, ref.by_digest(fetched.digest))


def _parsed(body: bytes, media_type: str, ref: DockerReference) -> Manifest:
    try:
        return parse_manifest(body, media_type)
    except ManifestInvalid as exc:
        raise UpstreamUnavailable(f"{ref}: {exc.message}") from None


def _json(raw: bytes, ref: DockerReference) -> dict[str, object] | None:
    try:
        config = json.loads(raw)
    except ValueError:
        raise UpstreamUnavailable(f"{ref}: the image config is not JSON") from None
    return config if isinstance(config, dict) else None


def server_platform() -> tuple[str, str]:
    machine = platform.machine().lower()
    return "linux", _ARCHITECTURES.get(machine, machine)


def _for_this_platform(children: tuple[Descriptor, ...], ref: DockerReference) -> Descriptor:
    os_name, architecture = server_platform()
    for child in children:
        wanted = child.platform or {}
        if wanted.get("os") == os_name and wanted.get("architecture") == architecture:
            return child
    raise UpstreamNotFound(f"{ref} has no manifest for {os_name}/{architecture}")
