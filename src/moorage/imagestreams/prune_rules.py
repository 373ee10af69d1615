"""What pruning deletes, decided in memory from what the repositories hold (OpenShift's rules).

Stage 1, per image stream: a tag's history keeps its newest `keep_tag_revisions` items
(revision 0, what the tag serves, always) and every item younger than the cutoff; the rest
go. With `prune_registry`, the manifests the stream no longer names go from its repository
(an index with the children it alone references), unless a manifest that stays still
references them, and so do the links nothing left in the repository needs.

Stage 2, cluster-wide: an Image goes when no tag serves or served it, it is older than the
cutoff, and no Image that stays references it (an index's children count as used while
the index is).

An image a tag served when it was deleted, less than `restore_window` ago, is kept as if the
tag still served it: the tag may be restored (ADR 0012).

Nothing pushed lately goes, whatever the cutoff: a manifest or link made or refreshed less
than the collector's grace ago may belong to a push in flight (registry/collector.py).
"""

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from moorage.store.deleted_tags import DEFAULT_WINDOW
from moorage.store.prune_rows import Held, Item


@dataclass(frozen=True, slots=True)
class Rules:
    keep_tag_revisions: int = 3
    keep_younger_than: float = 3600.0
    prune_registry: bool = True
    grace: float = 3600.0  # the collector's: links and manifests this young may be in use
    all_images: bool = True  # also Images another registry serves (imported)
    restore_window: float = DEFAULT_WINDOW  # how long a deleted tag stays restorable
    now: float = field(default_factory=time.time)

    @property
    def restorable_since(self) -> float:
        """Tags deleted since then may be restored: what they served is kept."""
        return self.now - self.restore_window

    @property
    def cutoff(self) -> float:
        return self.now - self.keep_younger_than

    @property
    def in_use_since(self) -> float:
        """Links made or refreshed since then may belong to a push in flight."""
        return self.now - self.grace

    @property
    def pushed_since(self) -> float:
        """Manifests pushed (or pushed again) since then are kept."""
        return min(self.cutoff, self.in_use_since)


@dataclass(frozen=True, slots=True)
class ImageFacts:
    """What stage 2 needs of an Image."""

    digest: str
    created_at: float
    children: frozenset[str]  # an index's manifests, as its Image lists them
    external: bool  # another registry serves it (imported)


@dataclass(frozen=True, slots=True)
class RepositoryPrune:
    """What goes from one repository."""

    repository: str
    items: tuple[Item, ...] = ()
    manifests: tuple[str, ...] = ()
    links: tuple[str, ...] = ()  # blobs and manifests it no longer links

    def __bool__(self) -> bool:
        return bool(self.items or self.manifests or self.links)


def stream_prune(held: Held, rules: Rules) -> RepositoryPrune:
    """Stage 1 for one stream's repository."""
    dropped = tuple(_old_items(held, rules))
    if not rules.prune_registry:
        return RepositoryPrune(held.name, dropped)
    gone = {i.id for i in dropped}
    named = {i.digest for i in held.items if i.id not in gone} | _served(held, rules)
    unnamed = {i.digest for i in dropped} - named
    removed = removable_manifests(held, unnamed, named, rules)
    return RepositoryPrune(held.name, dropped, removed, unused_links(held, removed, rules))


def _old_items(held: Held, rules: Rules) -> Iterable[Item]:
    revision: dict[str, int] = {}
    for item in held.items:  # each tag's newest first
        number = revision[item.tag] = revision.get(item.tag, -1) + 1
        kept = number == 0 or number < rules.keep_tag_revisions or item.created_at >= rules.cutoff
        if not kept:
            yield item


def removable_manifests(
    held: Held, unnamed: set[str], named: set[str], rules: Rules
) -> tuple[str, ...]:
    """Of the manifests `unnamed` and the children only they reference, those that may go:
    no tag names them, no manifest that stays references them, none was pushed lately."""
    children = _children_in(held)
    recent = {d for d in held.manifests if held.links.get(d, 0.0) >= rules.pushed_since}
    candidates = _closure(unnamed & held.manifests.keys(), children) - named - recent
    kept = _closure(held.manifests.keys() - candidates, children)
    return tuple(sorted(candidates - kept))


def unused_links(held: Held, removed: Iterable[str], rules: Rules) -> tuple[str, ...]:
    """Links of the removed manifests and their blobs that nothing left in the repository
    needs (and that no push made or refreshed within the grace)."""
    removed = set(removed)
    staying = held.manifests.keys() - removed
    needed = set(staying).union(*(held.manifests[d] for d in staying))
    touched = removed.union(*(held.manifests.get(d, set()) for d in removed))
    return tuple(
        sorted(
            d for d in touched - needed if d in held.links and held.links[d] < rules.in_use_since
        )
    )


def forget(held: Held, pruned: RepositoryPrune) -> None:
    """What a prune leaves: `held` without what `pruned` removed."""
    gone = set(pruned.items)
    held.items = [i for i in held.items if i not in gone]
    for digest in pruned.manifests:
        held.manifests.pop(digest, None)
    for digest in pruned.links:
        held.links.pop(digest, None)


def prunable_images(
    repositories: Iterable[Held], images: dict[str, ImageFacts], rules: Rules
) -> list[str]:
    """Stage 2: the Images to delete, each index before the manifests it references."""
    held = list(repositories)
    used = {i.digest for h in held for i in h.items}.union(*(_served(h, rules) for h in held))
    recent = {d for h in held for d in h.manifests if h.links.get(d, 0.0) >= rules.pushed_since}
    young = {d for d, image in images.items() if image.created_at >= rules.cutoff}
    foreign = set() if rules.all_images else {d for d, i in images.items() if i.external}
    references: dict[str, set[str]] = {d: set(i.children) for d, i in images.items()}
    for h in held:
        for digest, refs in h.manifests.items():
            references.setdefault(digest, set()).update(refs)
    protected = _closure(used | recent | young | foreign, references.get)
    doomed = images.keys() - protected
    # Indexes first: a manifest is checked again as it goes, and its index must be gone.
    return sorted(doomed, key=lambda d: (not images[d].children, d))


def _served(held: Held, rules: Rules) -> set[str]:
    """What the repository's tags serve, and its restorable deleted tags served."""
    restorable = {d for d, at in held.deleted.values() if at >= rules.restorable_since}
    return set(held.tags.values()) | restorable


def _children_in(held: Held) -> Callable[[str], set[str] | None]:
    return lambda digest: {r for r in held.manifests.get(digest, ()) if r in held.manifests}


def _closure(start: Iterable[str], children: Callable[[str], set[str] | None]) -> set[str]:
    seen: set[str] = set()
    stack = list(start)
    while stack:
        digest = stack.pop()
        if digest in seen:
            continue
        seen.add(digest)
        stack.extend(children(digest) or ())
    return seen
