"""OpenShift's pruning rules, worked out on what repositories hold (no database)."""

from moorage.imagestreams.prune_rules import (
    ImageFacts,
    Rules,
    prunable_images,
    stream_prune,
)
from moorage.store.prune_rows import Held, Item

NOW = 1_000_000.0
HOUR = 3600.0
OLD = NOW - 10 * HOUR


def rules(**changes: object) -> Rules:
    return Rules(now=NOW, **changes)  # type: ignore[arg-type]


def held(*revisions: tuple[str, str, float], untagged: dict[str, set[str]] | None = None) -> Held:
    """A repository whose tags went through `revisions` (tag, digest, when) in order; each
    image has one layer `<digest>-layer`, linked as long ago as the image was pushed."""
    repository = Held(1, "p/app")
    for number, (tag, digest, when) in enumerate(revisions):
        repository.items.insert(0, Item(number, tag, digest, when))
        repository.tags[tag] = digest
        repository.manifests[digest] = {f"{digest}-layer"}
        repository.links.update({digest: when, f"{digest}-layer": when})
    for digest, refs in (untagged or {}).items():
        repository.manifests[digest] = refs
        repository.links[digest] = OLD
    repository.items.sort(key=lambda i: (i.tag, -i.id))
    return repository


def test_a_tag_keeps_its_newest_revisions() -> None:
    repository = held(*[("latest", f"d{n}", OLD + n) for n in range(5)])

    pruned = stream_prune(repository, rules(keep_tag_revisions=2, keep_younger_than=0.0))

    assert [i.digest for i in pruned.items] == ["d2", "d1", "d0"]
    assert pruned.manifests == ("d0", "d1", "d2")
    assert pruned.links == ("d0", "d0-layer", "d1", "d1-layer", "d2", "d2-layer")


def test_what_a_tag_serves_stays_even_keeping_no_revisions() -> None:
    repository = held(("latest", "d0", OLD), ("latest", "d1", OLD))

    pruned = stream_prune(repository, rules(keep_tag_revisions=0, keep_younger_than=0.0))

    assert [i.digest for i in pruned.items] == ["d0"]


def test_revisions_younger_than_the_cutoff_stay() -> None:
    repository = held(("latest", "d0", OLD), ("latest", "d1", NOW - 60), ("latest", "d2", NOW))

    pruned = stream_prune(repository, rules(keep_tag_revisions=1))

    assert [i.digest for i in pruned.items] == ["d0"]


def test_an_image_another_tag_serves_keeps_its_manifest() -> None:
    repository = held(("latest", "d0", OLD), ("latest", "d1", OLD), ("stable", "d0", OLD))

    pruned = stream_prune(repository, rules(keep_tag_revisions=1, keep_younger_than=0.0))

    assert [i.digest for i in pruned.items] == ["d0"]
    assert pruned.manifests == () and pruned.links == ()


def test_a_manifest_list_that_stays_keeps_the_manifests_it_references() -> None:
    repository = held(("latest", "d0", OLD), ("latest", "d1", OLD), untagged={"index": {"d0"}})

    pruned = stream_prune(repository, rules(keep_tag_revisions=1, keep_younger_than=0.0))

    assert [i.digest for i in pruned.items] == ["d0"]
    assert pruned.manifests == ()


def test_an_index_goes_with_the_children_only_it_references() -> None:
    repository = held(("latest", "index", OLD), ("latest", "d9", OLD))
    repository.manifests["index"] = {"c1", "c2"}
    for child in ("c1", "c2"):
        repository.manifests[child] = {f"{child}-layer"}
        repository.links.update({child: OLD, f"{child}-layer": OLD})

    pruned = stream_prune(repository, rules(keep_tag_revisions=1, keep_younger_than=0.0))

    assert pruned.manifests == ("c1", "c2", "index")


def test_what_was_pushed_within_the_grace_stays_whatever_the_cutoff() -> None:
    repository = held(("latest", "d0", OLD), ("latest", "d1", OLD))
    repository.links["d0"] = NOW - 1  # d0 pushed again, by digest, a second ago

    pruned = stream_prune(repository, rules(keep_tag_revisions=1, keep_younger_than=0.0))

    assert [i.digest for i in pruned.items] == ["d0"]
    assert pruned.manifests == ()
    assert prunable_images([repository], {"d0": facts("d0")}, rules(keep_younger_than=0.0)) == []


def test_without_prune_registry_only_history_goes() -> None:
    repository = held(("latest", "d0", OLD), ("latest", "d1", OLD))

    pruned = stream_prune(repository, rules(keep_tag_revisions=1, prune_registry=False))

    assert [i.digest for i in pruned.items] == ["d0"]
    assert pruned.manifests == () and pruned.links == ()


def facts(digest: str, created: float = OLD, children: frozenset[str] = frozenset()) -> ImageFacts:
    return ImageFacts(digest, created, children, external=False)


def test_images_no_tag_served_and_older_than_the_cutoff_go_indexes_first() -> None:
    repository = held(("latest", "kept", OLD), untagged={"index": {"c1"}, "c1": set()})
    images = {
        "kept": facts("kept"),
        "index": facts("index", children=frozenset({"c1"})),
        "c1": facts("c1"),
        "young": facts("young", created=NOW - 60),
    }

    assert prunable_images([repository], images, rules()) == ["index", "c1"]


def test_the_children_of_an_index_a_tag_serves_count_as_used() -> None:
    repository = held(("latest", "index", OLD))
    images = {"index": facts("index", children=frozenset({"c1"})), "c1": facts("c1")}

    assert prunable_images([repository], images, rules(keep_younger_than=0.0)) == []


def test_images_of_other_registries_stay_unless_all() -> None:
    images = {"imported": ImageFacts("imported", OLD, frozenset(), external=True)}

    assert prunable_images([], images, rules(all_images=False)) == []
    assert prunable_images([], images, rules()) == ["imported"]
