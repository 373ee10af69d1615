"""A store with a cluster's worth of projects, written in bulk through the store layer.

Each project is what a ProjectRequest by `user-<i>` leaves behind (its Namespace, and
project_defaults: three service accounts and four role bindings, the API's own code),
then a repository `<project>/app` pushed once and tagged TAGS times (RegistryMetadata
and the image-stream hooks the registry runs, so the ImageStream and Image objects are
there too), and finally every admin binding changed once (a second admin), as `moorage
policy add-role-to-user` would. The RBAC changes come last so that the API's trimming of
the change log keeps them all. The database is written with synchronous=OFF and many
objects per transaction: minutes, not the hours the API would take.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, event

from moorage.auth.project_defaults import project_defaults, role_binding, subject_of
from moorage.content.digest import Digest
from moorage.content.manifest import PushedManifest, parse_manifest
from moorage.imagestreams.streams import ImageStreams
from moorage.resources.project import REQUESTER
from moorage.store.database import open_engine, sqlite_url, writer
from moorage.store.registry_metadata import RegistryMetadata
from moorage.store.resources import Ref, ResourceStore
from moorage.store.tags import repository_id, set_tag

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
BATCH = 500


@dataclass(frozen=True)
class Shape:
    projects: int = 10_000
    tags: int = 10  # per project: 100,000 in all


def project_name(index: int) -> str:
    return f"scale-{index:05d}"


def populate(data_dir: Path, registry_host: str, shape: Shape) -> None:
    engine = open_engine(sqlite_url(data_dir / "metadata.db"))
    event.listen(engine, "connect", _unsynchronized)
    try:
        store = ResourceStore(engine)
        for batch in _batches(shape.projects):
            _projects(store, batch)
        pushed = _manifest()
        streams = ImageStreams(registry_host)
        metadata = RegistryMetadata(engine, hooks=streams)
        for batch in _batches(shape.projects):
            _repositories(engine, metadata, streams, pushed, batch, shape.tags)
        for batch in _batches(shape.projects):
            _second_admins(store, batch)
        metadata.close()
        store.close()
    finally:
        engine.dispose()


def _unsynchronized(dbapi, _record) -> None:  # type: ignore[no-untyped-def]
    dbapi.execute("PRAGMA synchronous=OFF")  # a benchmark's throwaway store: no fsync


def _batches(count: int) -> Iterator[range]:
    for start in range(0, count, BATCH):
        yield range(start, min(start + BATCH, count))


def _projects(store: ResourceStore, batch: range) -> None:
    with store.transaction() as tx:
        for index in batch:
            name = project_name(index)
            namespace = {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {"name": name, "annotations": {REQUESTER: f"user-{index}"}},
            }
            tx.create(Ref("", "namespaces", "", name), namespace)
            for ref, obj in project_defaults(namespace):
                tx.create(ref, obj)


def _manifest() -> PushedManifest:
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {}}).encode()
    layer = b"scale" * 100
    descriptors = [
        {"mediaType": media_type, "digest": str(Digest.of(data)), "size": len(data)}
        for data, media_type in (
            (config, "application/vnd.oci.image.config.v1+json"),
            (layer, "application/vnd.oci.image.layer.v1.tar"),
        )
    ]
    body = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptors[0],
            "layers": descriptors[1:],
        }
    ).encode()
    manifest = parse_manifest(body, OCI_MANIFEST)
    return PushedManifest(str(Digest.of(body)), len(body), manifest, json.loads(config))


def _repositories(
    engine: Engine,
    metadata: RegistryMetadata,
    streams: ImageStreams,
    pushed: PushedManifest,
    batch: range,
    tags: int,
) -> None:
    for index in batch:
        repository = f"{project_name(index)}/app"
        for blob in pushed.manifest.blobs:
            metadata.link_blob(repository, blob.digest, blob.size)
        metadata.put_manifest(repository, pushed, "v0", written=True)
    with writer(engine).begin() as conn:
        for index in batch:
            repository = f"{project_name(index)}/app"
            repo_id = repository_id(conn, repository)
            assert repo_id is not None
            for tag in range(1, tags):
                set_tag(conn, repo_id, f"v{tag}", pushed.digest)
            streams.tags_changed(conn, repository)


def _second_admins(store: ResourceStore, batch: range) -> None:
    with store.transaction() as tx:
        for index in batch:
            name = project_name(index)
            ref, _ = role_binding(name, "admin", "admin", [])
            binding = tx.require(ref)
            binding["subjects"].append(subject_of(f"user-{index}-deputy"))
            tx.update(ref, binding)
