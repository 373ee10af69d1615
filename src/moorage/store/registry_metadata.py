"""Registry metadata queries: what each repository links, its manifests and tags.

Methods are synchronous and short. Reads are single indexed lookups; each
write is one transaction, and a manifest's references are checked inside the
transaction that records it, so a concurrent delete cannot slip between.
"""

import time
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, Engine, and_, bindparam, delete, select
from sqlalchemy.sql.elements import BindParameter

from moorage.content.errors import ManifestBlobUnknown, ManifestInvalid, NameUnknown
from moorage.content.manifest import Descriptor, PushedManifest
from moorage.store.blob_rows import BlobDeleting, BlobState, link
from moorage.store.database import writer
from moorage.store.fast_reads import FastReads
from moorage.store.schema import (
    blobs,
    manifest_references,
    manifests,
    repositories,
    repository_blobs,
    tags,
)
from moorage.store.sql import insert_ignore
from moorage.store.tags import remove_tags, repository_id, set_tag, tags_pointing_at


@dataclass(frozen=True, slots=True)
class ManifestRecord:
    digest: str
    media_type: str
    size: int


_REPOSITORY: BindParameter[str] = bindparam("repository")
_BLOB_SIZE = (
    select(blobs.c.size)
    .join(repository_blobs, repository_blobs.c.digest == blobs.c.digest)
    .join(repositories, repositories.c.id == repository_blobs.c.repository_id)
    .where(repositories.c.name == _REPOSITORY, blobs.c.digest == bindparam("digest"))
)
_MANIFEST = (
    select(manifests.c.digest, manifests.c.media_type, manifests.c.size)
    .join(repositories, repositories.c.id == manifests.c.repository_id)
    .where(repositories.c.name == _REPOSITORY, manifests.c.digest == bindparam("digest"))
)
_TAGGED = (
    select(manifests.c.digest, manifests.c.media_type, manifests.c.size)
    .join(
        tags,
        and_(
            tags.c.repository_id == manifests.c.repository_id, tags.c.digest == manifests.c.digest
        ),
    )
    .join(repositories, repositories.c.id == manifests.c.repository_id)
    .where(repositories.c.name == _REPOSITORY, tags.c.name == bindparam("tag"))
)
_TAGS = (
    select(tags.c.name)
    .join(repositories, repositories.c.id == tags.c.repository_id)
    .where(repositories.c.name == _REPOSITORY, tags.c.name > bindparam("last"))
    .order_by(tags.c.name)
)
_BLOB_ROW = select(blobs.c.deleting_since).where(blobs.c.digest == bindparam("digest"))
_REPOSITORY_ID = select(repositories.c.id).where(repositories.c.name == _REPOSITORY)


class MetadataHooks(Protocol):
    """What else changes, in the same transaction, when a repository's content does."""

    def manifest_recorded(
        self, conn: Connection, repository: str, pushed: PushedManifest, tag: str | None
    ) -> None: ...

    def tags_changed(self, conn: Connection, repository: str) -> None: ...

    def tag_changing(self, conn: Connection, repository: str, tag: str, digest: str | None) -> None:
        """Before `tag` is pointed at `digest` (None: deleted): raises store.errors.Forbidden
        to refuse it."""
        ...

    def admitting(self, conn: Connection, repository: str) -> AbstractContextManager[None]:
        """Around a change to the repository: raises store.errors.Forbidden, after the change,
        to refuse it (the transaction rolls back)."""
        ...


class NoHooks:
    def manifest_recorded(
        self, conn: Connection, repository: str, pushed: PushedManifest, tag: str | None
    ) -> None:
        return None

    def tags_changed(self, conn: Connection, repository: str) -> None:
        return None

    def tag_changing(self, conn: Connection, repository: str, tag: str, digest: str | None) -> None:
        return None

    def admitting(self, conn: Connection, repository: str) -> AbstractContextManager[None]:
        return nullcontext()


class RegistryMetadata:
    def __init__(self, engine: Engine, hooks: MetadataHooks | None = None) -> None:
        self.engine = engine
        self._hooks = hooks or NoHooks()
        self._writer = writer(engine)
        self._reads = FastReads(engine)
        self._blob_size = self._reads.prepare(_BLOB_SIZE)
        self._blob_row = self._reads.prepare(_BLOB_ROW)
        self._manifest = self._reads.prepare(_MANIFEST)
        self._tagged = self._reads.prepare(_TAGGED)
        self._repository = self._reads.prepare(_REPOSITORY_ID)
        self._tags = self._reads.prepare(_TAGS)

    def close(self) -> None:
        """Close the request-path connection (the engine's pool is the caller's)."""
        self._reads.close()

    # Reads on the request path ---------------------------------------------

    def blob_size(self, repository: str, digest: str) -> int | None:
        row = self._reads.one(self._blob_size, repository=repository, digest=digest)
        return None if row is None else row[0]

    def manifest(self, repository: str, digest: str) -> ManifestRecord | None:
        row = self._reads.one(self._manifest, repository=repository, digest=digest)
        return None if row is None else ManifestRecord(*row)

    def tagged_manifest(self, repository: str, tag: str) -> ManifestRecord | None:
        row = self._reads.one(self._tagged, repository=repository, tag=tag)
        return None if row is None else ManifestRecord(*row)

    def repository_exists(self, repository: str) -> bool:
        return self._reads.one(self._repository, repository=repository) is not None

    def tags(self, repository: str, limit: int | None, last: str | None) -> list[str] | None:
        """Tag names in lexical order after `last`, or None if the repository is unknown."""
        rows = self._reads.all(self._tags, limit, repository=repository, last=last or "")
        if not rows and not self.repository_exists(repository):
            return None
        return [name for (name,) in rows]

    def catalog(self, limit: int | None, last: str | None) -> list[str]:
        query = select(repositories.c.name)
        if last:
            query = query.where(repositories.c.name > last)
        query = query.order_by(repositories.c.name).limit(limit)
        with self.engine.connect() as conn:
            return list(conn.execute(query).scalars())

    def catalog_of(self, projects: Iterable[str], limit: int | None, last: str | None) -> list[str]:
        """Repository names in `projects` (`<project>/...`) after `last`, in lexical order:
        one indexed range per project, whatever the number of other repositories."""
        found: list[str] = []
        with self.engine.connect() as conn:
            # "<project>/" prefixes sort as the repositories in them do; "0" follows "/".
            for prefix in sorted(f"{project}/" for project in projects):
                wanted = None if limit is None else limit - len(found)
                if wanted == 0:
                    break
                query = (
                    select(repositories.c.name)
                    .where(repositories.c.name >= prefix, repositories.c.name < prefix[:-1] + "0")
                    .where(repositories.c.name > (last or ""))
                    .order_by(repositories.c.name)
                    .limit(wanted)
                )
                found += conn.execute(query).scalars()
        return found

    def referrers(
        self, repository: str, subject: str, artifact_type: str | None
    ) -> list[Descriptor]:
        query = (
            select(
                manifests.c.media_type,
                manifests.c.digest,
                manifests.c.size,
                manifests.c.artifact_type,
                manifests.c.annotations,
            )
            .join(repositories, repositories.c.id == manifests.c.repository_id)
            .where(repositories.c.name == repository, manifests.c.subject_digest == subject)
            .order_by(manifests.c.created_at, manifests.c.digest)
        )
        if artifact_type is not None:
            query = query.where(manifests.c.artifact_type == artifact_type)
        with self.engine.connect() as conn:
            return [Descriptor(*row) for row in conn.execute(query)]

    # Writes ----------------------------------------------------------------

    def blob_state(self, digest: str) -> BlobState:
        """Whether the blob's bytes are stored, missing, or being deleted by the collector."""
        row = self._reads.one(self._blob_row, digest=digest)
        if row is None:
            return BlobState.MISSING
        return BlobState.STORED if row[0] is None else BlobState.DELETING

    def link_blob(
        self,
        repository: str,
        digest: str,
        written_size: int | None = None,
        create: bool = True,
    ) -> bool:
        """Link a stored blob to a repository (or refresh the link); `written_size` when the
        caller has just stored its bytes. False when the collector is deleting it or has.
        NameUnknown when the repository is gone and not to be `create`d again."""
        try:
            with self._writer.begin() as conn, self._hooks.admitting(conn, repository):
                repo_id = _existing(repository, repository_id(conn, repository, create=create))
                link(conn, repo_id, digest, time.time(), written_size)
        except BlobDeleting:
            return False
        return True

    def keep_unlinked(self, digest: str, size: int) -> None:
        """Record bytes just stored that nothing may link (their push was refused), so the
        collector frees them after its grace; nothing when a row is there already."""
        now = time.time()
        row = {"digest": digest, "size": size, "created_at": now, "touched_at": now}
        with self._writer.begin() as conn:
            insert_ignore(conn, blobs, [row])

    def put_manifest(
        self,
        repository: str,
        pushed: PushedManifest,
        tag: str | None,
        written: bool,
        mirrored: bool = False,
    ) -> None:
        """Record a manifest whose bytes are stored (`written`: by the caller, just now); check
        what it references first, unless it is `mirrored` from another registry (its blobs
        come from there when first pulled, and its repository is not made again once gone:
        NameUnknown). BlobDeleting when the collector is deleting its bytes."""
        digest, size, manifest = pushed.digest, pushed.size, pushed.manifest
        now = time.time()
        with self._writer.begin() as conn, self._hooks.admitting(conn, repository):
            repo_id = _existing(repository, repository_id(conn, repository, create=not mirrored))
            if not mirrored:
                self._check_blobs(conn, repo_id, manifest.blobs)
                self._check_children(conn, repo_id, manifest.children)
            link(conn, repo_id, digest, now, size if written else None)
            insert_ignore(
                conn,
                manifests,
                [
                    {
                        "repository_id": repo_id,
                        "digest": digest,
                        "media_type": manifest.media_type,
                        "size": size,
                        "artifact_type": manifest.artifact_type,
                        "subject_digest": manifest.subject.digest if manifest.subject else None,
                        "annotations": manifest.annotations or None,
                        "created_at": now,
                    }
                ],
            )
            references = {d.digest for d in (*manifest.blobs, *manifest.children)}
            insert_ignore(
                conn,
                manifest_references,
                [
                    {"repository_id": repo_id, "manifest_digest": digest, "reference_digest": ref}
                    for ref in sorted(references)
                ],
            )
            if tag is not None:
                self._hooks.tag_changing(conn, repository, tag, digest)
                set_tag(conn, repo_id, tag, digest)
            self._hooks.manifest_recorded(conn, repository, pushed, tag)

    def delete_tag(self, repository: str, tag: str) -> bool:
        with self._writer.begin() as conn, self._hooks.admitting(conn, repository):
            repo_id = repository_id(conn, repository)
            self._hooks.tag_changing(conn, repository, tag, None)
            if repo_id is None or not remove_tags(conn, repo_id, [tag], restorable=True):
                return False
            self._hooks.tags_changed(conn, repository)
            return True

    def delete_manifest(self, repository: str, digest: str) -> bool:
        """Remove a manifest from a repository with every tag that points at it."""
        with self._writer.begin() as conn, self._hooks.admitting(conn, repository):
            repo_id = repository_id(conn, repository)
            if repo_id is None:
                return False
            pointing = tags_pointing_at(conn, repo_id, digest)
            for tag in pointing:
                self._hooks.tag_changing(conn, repository, tag, None)
            if remove_tags(conn, repo_id, pointing):
                self._hooks.tags_changed(conn, repository)
            conn.execute(
                delete(manifest_references).where(
                    manifest_references.c.repository_id == repo_id,
                    manifest_references.c.manifest_digest == digest,
                )
            )
            removed = conn.execute(
                delete(manifests).where(
                    manifests.c.repository_id == repo_id, manifests.c.digest == digest
                )
            )
            return removed.rowcount > 0

    def unlink_blob(self, repository: str, digest: str) -> bool:
        with self._writer.begin() as conn, self._hooks.admitting(conn, repository):
            repo_id = repository_id(conn, repository)
            if repo_id is None:
                return False
            query = delete(repository_blobs).where(
                repository_blobs.c.repository_id == repo_id, repository_blobs.c.digest == digest
            )
            return conn.execute(query).rowcount > 0

    # Helpers ---------------------------------------------------------------

    @staticmethod
    def _check_blobs(conn: Connection, repo_id: int, wanted: Iterable[Descriptor]) -> None:
        wanted = list(wanted)
        if not wanted:
            return
        # FOR SHARE: a collector deleting one of these links waits for this transaction, or
        # this one for it, and then finds the link gone (MANIFEST_BLOB_UNKNOWN).
        query = (
            select(blobs.c.digest, blobs.c.size)
            .join(repository_blobs, repository_blobs.c.digest == blobs.c.digest)
            .where(
                repository_blobs.c.repository_id == repo_id,
                blobs.c.digest.in_({d.digest for d in wanted}),
            )
            .with_for_update(read=True, of=repository_blobs)
        )
        sizes = dict(conn.execute(query).all())
        for descriptor in wanted:
            size = sizes.get(descriptor.digest)
            if size is None:
                raise ManifestBlobUnknown(
                    f"blob {descriptor.digest} is not in this repository",
                    {"digest": descriptor.digest},
                )
            if size != descriptor.size:
                raise ManifestInvalid(
                    f"descriptor size {descriptor.size} for {descriptor.digest} "
                    f"does not match the blob's size {size}"
                )

    @staticmethod
    def _check_children(conn: Connection, repo_id: int, wanted: Iterable[Descriptor]) -> None:
        digests = {d.digest for d in wanted}
        if not digests:
            return
        query = select(manifests.c.digest).where(
            manifests.c.repository_id == repo_id, manifests.c.digest.in_(digests)
        )
        missing = digests - set(conn.execute(query).scalars())
        if missing:
            first = sorted(missing)[0]
            # The spec's MANIFEST_BLOB_UNKNOWN covers a referenced manifest as well as a blob.
            raise ManifestBlobUnknown(
                f"manifest {first} referenced by the index is not in this repository",
                {"digest": first},
            )


def _existing(repository: str, repo_id: int | None) -> int:
    if repo_id is None:  # gone, and not to be made again
        raise NameUnknown(f"repository {repository} is not known", {"name": repository})
    return repo_id
