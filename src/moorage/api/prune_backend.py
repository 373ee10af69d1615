"""ImagePrune: a prune asked of the server, run at once, answered with what it deleted."""

from __future__ import annotations

import builtins
from collections import Counter
from dataclasses import asdict
from typing import Any

from moorage.api.status import ApiError
from moorage.imagestreams.prune_rules import Rules
from moorage.imagestreams.pruner import Outcome, Pruner
from moorage.operator.durations import seconds
from moorage.resources.kinds import Kind
from moorage.resources.objects import Object
from moorage.store.resources import Event, Page


class ImagePruneBackend:
    def __init__(self, kind: Kind, pruner: Pruner) -> None:
        self.kind, self._pruner = kind, pruner

    def create(self, namespace: str, obj: Object) -> Object:
        request = self.kind.validate(obj)
        spec = request["spec"]
        rules = Rules(
            keep_tag_revisions=spec["keepTagRevisions"],
            keep_younger_than=seconds(spec["keepYoungerThanDuration"]),
            prune_registry=spec["pruneRegistry"],
            grace=self._pruner.grace,
            all_images=spec["all"],
        )
        outcome = self._pruner.prune(rules, spec.get("namespace"), spec["confirm"])
        return {**request, "status": status_of(outcome)}

    def _unsupported(self, *_args: Any) -> Any:
        raise ApiError("MethodNotAllowed", "imageprunes can only be created")

    get = update = delete = _unsupported

    def list(self, namespace: str | None, limit: int | None, after: tuple[str, str] | None) -> Page:
        return Page([], 0, None)

    def events_after(self, version: int) -> builtins.list[Event]:
        return []


def status_of(outcome: Outcome) -> Object:
    counts = Counter(d.kind for d in outcome.deleted)
    deleted = [
        {key: value for key, value in asdict(d).items() if value not in ("", 0)}
        for d in outcome.deleted
    ]
    return {
        "deleted": deleted,
        "updatedImageStreams": outcome.updated_streams,
        "summary": {
            "images": counts["Image"],
            "tagItems": counts["TagItem"],
            "imageStreams": len(outcome.updated_streams),
            "layerLinks": counts["LayerLink"],
            "manifestLinks": counts["ManifestLink"],
            "blobs": counts["Blob"],
            "blobBytes": sum(d.size for d in outcome.deleted if d.kind == "Blob"),
        },
    }
