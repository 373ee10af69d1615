"""Pruning images, as `oc adm prune images` does, but in the server, beside live pushes.

A dry run reads one snapshot and works the rules out on it (prune_rules.py). A confirmed
run prunes each stream in one write transaction, which reads the stream's repository again
and decides there, so a tag or manifest pushed meanwhile is seen and kept (write
transactions are serialized with every push: store/database.py); then each Image in one
transaction, checked again the same way. The bytes are not deleted here: a blob whose last
link goes is freed by the online collector once unused for its grace (registry/collector.py).
"""

import calendar
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from sqlalchemy import Connection

from moorage.content.names import split_repository
from moorage.imagestreams import quotas
from moorage.imagestreams.prune_rules import (
    ImageFacts,
    RepositoryPrune,
    Rules,
    forget,
    prunable_images,
    stream_prune,
    unused_links,
)
from moorage.imagestreams.streams import GROUP, ImageStreams, image_ref
from moorage.resources.objects import Object
from moorage.store import deleted_tags, prune_rows, tags
from moorage.store.deleted_tags import DEFAULT_WINDOW
from moorage.store.prune_rows import Held
from moorage.store.resources import ResourceStore, Transaction


@dataclass(frozen=True, slots=True)
class Deleted:
    """One thing a prune deletes (or, in a dry run, would)."""

    kind: str  # TagItem, ManifestLink, LayerLink, Blob or Image
    digest: str
    repository: str = ""
    tag: str = ""
    size: int = 0


@dataclass
class Outcome:
    deleted: list[Deleted] = field(default_factory=list)
    updated_streams: list[str] = field(default_factory=list)

    def record(self, pruned: RepositoryPrune, manifests: Iterable[str]) -> None:
        """`manifests`: of the links dropped, those of manifests (the rest are layers)."""
        name, manifest_links = pruned.repository, set(manifests)
        for item in pruned.items:
            self.deleted.append(Deleted("TagItem", item.digest, name, item.tag))
        if pruned.items:
            self.updated_streams.append(name)
        for digest in pruned.manifests:
            self.deleted.append(Deleted("ManifestLink", digest, name))
        for digest in pruned.links:
            if digest not in manifest_links:
                self.deleted.append(Deleted("LayerLink", digest, name))

    def dropped_links(self) -> set[str]:
        return {d.digest for d in self.deleted if d.kind in ("ManifestLink", "LayerLink")}

    def status(self) -> Object:
        """As an ImagePrune's status (resources/prune.py) carries it."""
        counts = Counter(d.kind for d in self.deleted)
        return {
            "deleted": [
                {key: value for key, value in asdict(d).items() if value not in ("", 0)}
                for d in self.deleted
            ],
            "updatedImageStreams": self.updated_streams,
            "summary": {
                "images": counts["Image"],
                "tagItems": counts["TagItem"],
                "imageStreams": len(self.updated_streams),
                "layerLinks": counts["LayerLink"],
                "manifestLinks": counts["ManifestLink"],
                "blobs": counts["Blob"],
                "blobBytes": sum(d.size for d in self.deleted if d.kind == "Blob"),
            },
        }


class Pruner:
    def __init__(
        self,
        store: ResourceStore,
        streams: ImageStreams,
        grace: float,
        restore_window: float = DEFAULT_WINDOW,
    ) -> None:
        """`grace`: the collector's (moorage serve --gc-grace), which pruning keeps too;
        `restore_window`: how long a deleted tag stays restorable (--tag-restore-window)."""
        self._store, self._streams = store, streams
        self.grace, self.restore_window = grace, restore_window

    def prune(self, rules: Rules, namespace: str | None, confirm: bool) -> Outcome:
        """Stage 1 in `namespace` (every project when None), then, cluster-wide only, stage 2."""
        run = self._confirmed if confirm else self._dry_run
        return run(rules, namespace)

    # A dry run: one snapshot ------------------------------------------------

    def _dry_run(self, rules: Rules, namespace: str | None) -> Outcome:
        outcome = Outcome()
        with self._store.reading() as tx:
            held = prune_rows.repositories_in(tx.connection)
            for name in sorted(held):
                if _within(name, namespace):
                    self._simulate(outcome, held[name], stream_prune(held[name], rules))
            if namespace is None:
                self._simulate_images(outcome, held, self._images(tx), rules)
            linked = {d for h in held.values() for d in h.links}
            self._blobs(outcome, tx.connection, outcome.dropped_links() - linked)
        return outcome

    def _simulate_images(
        self, outcome: Outcome, held: dict[str, Held], images: dict[str, ImageFacts], rules: Rules
    ) -> None:
        for digest in prunable_images(held.values(), images, rules):
            for repository in held.values():
                if rules.prune_registry and digest in repository.manifests:
                    links = unused_links(repository, {digest}, rules)
                    pruned = RepositoryPrune(repository.name, (), (digest,), links)
                    self._simulate(outcome, repository, pruned)
            outcome.deleted.append(Deleted("Image", digest))

    def _simulate(self, outcome: Outcome, held: Held, pruned: RepositoryPrune) -> None:
        outcome.record(pruned, held.manifests)
        forget(held, pruned)

    # A confirmed run: a transaction per stream, then per Image -------------

    def _confirmed(self, rules: Rules, namespace: str | None) -> Outcome:
        outcome = Outcome()
        with self._store.transaction() as tx:
            deleted_tags.expire(tx.connection, rules.restorable_since)
        with self._store.reading() as tx:
            held = prune_rows.repositories_in(tx.connection)
        # A stream with nothing to prune in the snapshot takes no write lock (what pushes
        # make prunable meanwhile waits for the next prune).
        names = [n for n in sorted(held) if _within(n, namespace) and stream_prune(held[n], rules)]
        for name in names:
            with self._store.transaction() as tx:
                self._prune_stream(tx, name, rules, outcome)
        if namespace is None:
            with self._store.reading() as tx:
                held = prune_rows.repositories_in(tx.connection)
                doomed = prunable_images(held.values(), self._images(tx), rules)
            for digest in doomed:
                with self._store.transaction() as tx:
                    self._prune_image(tx, digest, rules, outcome)
        with self._store.reading() as tx:
            gone = prune_rows.unlinked(tx.connection, outcome.dropped_links())
            self._blobs(outcome, tx.connection, gone)
        return outcome

    def _prune_stream(self, tx: Transaction, name: str, rules: Rules, outcome: Outcome) -> None:
        conn = tx.connection
        repo_id = tags.repository_id(conn, name)
        if repo_id is None:
            return
        held = prune_rows.repository(conn, repo_id, name)
        pruned = stream_prune(held, rules)
        _write(conn, held, pruned)
        outcome.record(pruned, held.manifests)
        place = split_repository(name)
        if pruned.items and place is not None:
            self._streams.touch(tx, *place, create=False)
        if pruned and place is not None:
            quotas.refresh(tx, place[0])

    def _prune_image(self, tx: Transaction, digest: str, rules: Rules, outcome: Outcome) -> None:
        if not self._still_prunable(tx, digest, rules):
            return
        conn = tx.connection
        holding = prune_rows.repositories_holding(conn, digest) if rules.prune_registry else []
        for repo_id, name in holding:
            held = prune_rows.repository(conn, repo_id, name)
            pruned = RepositoryPrune(name, (), (digest,), unused_links(held, {digest}, rules))
            _write(conn, held, pruned)
            outcome.record(pruned, held.manifests)
        for project in {place[0] for _, name in holding if (place := split_repository(name))}:
            quotas.refresh(tx, project)
        tx.delete(image_ref(digest))
        outcome.deleted.append(Deleted("Image", digest))

    def _still_prunable(self, tx: Transaction, digest: str, rules: Rules) -> bool:
        """The checks of stage 2 made again on what the database holds now."""
        conn = tx.connection
        image = tx.get(image_ref(digest))
        if image is None or _created(image) >= rules.cutoff or prune_rows.in_history(conn, digest):
            return False
        if deleted_tags.keeps(conn, digest, rules.restorable_since):
            return False
        if prune_rows.pushed_since(conn, digest, rules.pushed_since):
            return False
        parents = prune_rows.referencing(conn, digest)
        if rules.prune_registry:
            return not parents  # an index that stays still lists it in its repository
        return all(tx.get(image_ref(parent)) is None for parent in parents)

    # Shared ------------------------------------------------------------------

    def _images(self, tx: Transaction) -> dict[str, ImageFacts]:
        local = f"{self._streams.registry_host}/"
        facts = {}
        for image in tx.list(GROUP, "images", None).items:
            digest = image["metadata"]["name"]
            children = frozenset(c["digest"] for c in image.get("dockerImageManifests") or [])
            external = not str(image.get("dockerImageReference", "")).startswith(local)
            facts[digest] = ImageFacts(digest, _created(image), children, external)
        return facts

    def _blobs(self, outcome: Outcome, conn: Connection, unlinked: set[str]) -> None:
        """Blobs no repository links any more: the collector frees them after its grace."""
        sizes = prune_rows.sizes(conn, unlinked)
        for digest in sorted(sizes):
            outcome.deleted.append(Deleted("Blob", digest, size=sizes[digest]))


def _within(repository: str, namespace: str | None) -> bool:
    return namespace is None or repository.startswith(f"{namespace}/")


def _write(conn: Connection, held: Held, pruned: RepositoryPrune) -> None:
    if pruned.items:
        prune_rows.delete_items(conn, [i.id for i in pruned.items])
    if pruned.manifests:
        prune_rows.delete_manifests(conn, held.id, pruned.manifests)
    if pruned.links:
        prune_rows.delete_links(conn, held.id, pruned.links)


def _created(image: Object) -> float:
    stamp = image["metadata"].get("creationTimestamp")
    if not stamp:
        return time.time()  # unknown: taken as new, so kept
    return float(calendar.timegm(time.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")))
