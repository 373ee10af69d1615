"""ImagePrune: a prune asked of the server, run at once, answered with what it deleted."""

from __future__ import annotations

import builtins
from typing import Any

from moorage.api.status import ApiError
from moorage.imagestreams.prune_rules import Rules
from moorage.imagestreams.pruner import Pruner
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
            restore_window=self._pruner.restore_window,
            all_images=spec["all"],
        )
        outcome = self._pruner.prune(rules, spec.get("namespace"), spec["confirm"])
        return {**request, "status": outcome.status()}

    def _unsupported(self, *_args: Any) -> Any:
        raise ApiError("MethodNotAllowed", "imageprunes can only be created")

    get = update = delete = _unsupported

    def list(self, namespace: str | None, limit: int | None, after: tuple[str, str] | None) -> Page:
        return Page([], 0, None)

    def events_after(self, version: int) -> builtins.list[Event]:
        return []
