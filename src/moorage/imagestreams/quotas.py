"""ResourceQuotas on what a project's image streams hold, enforced as each write happens.

The resources (OpenShift's names; the last is Moorage's, OpenShift 4 has no byte quota):
  openshift.io/imagestreams          ImageStreams in the project
  openshift.io/images                distinct images (manifests) its repositories hold
  openshift.io/image-tags            tags across its image streams
  openshift.io/imagestreams.storage  bytes of the distinct blobs its repositories link, each
                                     counted once however many streams share it

A quota with `scopes` or a `scopeSelector` counts only the pods they select, as in
Kubernetes: never image streams, so it neither limits nor counts them here.

A write that may add to a project runs inside `admitted`: the usage a quota names is
counted in the write's own transaction before and after it, and the write is refused
(Forbidden; the transaction rolls back) when it took a resource above a quota's hard
limit. Write transactions are serialized (store/database.py), so no two writes both slip
under a limit. A project without a quota costs one indexed lookup. status.used is written
whenever a write changed it, and by `refresh` after the collector and the pruner.
"""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection

from moorage.resources.objects import Object
from moorage.resources.quantities import format_bytes, parse_quantity
from moorage.store import quota_usage
from moorage.store.errors import Forbidden
from moorage.store.resources import Ref, Transaction

STORAGE = "openshift.io/imagestreams.storage"
COUNTERS: dict[str, Callable[[Connection, str], int]] = {
    "openshift.io/imagestreams": quota_usage.streams,
    "openshift.io/images": quota_usage.images,
    "openshift.io/image-tags": quota_usage.image_tags,
    STORAGE: quota_usage.stored_bytes,
}
Counts = dict[str, int]


def quota_ref(namespace: str, name: str) -> Ref:
    return Ref("", "resourcequotas", namespace, name)


@contextmanager
def admitted(conn: Connection, project: str) -> Iterator[None]:
    """Run a write that may add to `project`; refuse it if it exceeded one of its quotas."""
    quotas = _bodies(conn, project)
    if not quotas:
        yield
        return
    names = {name for quota in quotas for name in _hard(quota)}
    before = _count(conn, project, names)
    yield
    after = _count(conn, project, names)
    for quota in quotas:
        _check(quota, before, after)
    if after != before:
        _write_status(Transaction(conn), quotas, after)


def refresh(tx: Transaction, project: str) -> None:
    """Bring the project's quotas' status up to date (after something freed space)."""
    quotas = _bodies(tx.connection, project)
    names = {name for quota in quotas for name in _hard(quota)}
    counts = _count(tx.connection, project, names)
    _write_status(tx, [q for q in quotas if _status_of(q, counts) != q.get("status")], counts)


def refresh_everywhere(tx: Transaction) -> None:
    """`refresh` every project with a quota (after the collector freed links)."""
    for project in quota_usage.projects_with_quotas(tx.connection):
        refresh(tx, project)


def with_status(tx: Transaction, quota: Object) -> Object:
    """The quota as stored: its status counted from what its project holds now."""
    project = quota["metadata"]["namespace"]
    names = set(_hard(quota)) if _counts_images(quota) else set()
    return {**quota, "status": _status_of(quota, _count(tx.connection, project, names))}


def _count(conn: Connection, project: str, names: set[str]) -> Counts:
    return {name: COUNTERS[name](conn, project) for name in names if name in COUNTERS}


def _hard(quota: Object) -> dict[str, str]:
    return (quota.get("spec") or {}).get("hard") or {}


def _counts_images(quota: Object) -> bool:
    spec = quota.get("spec") or {}
    return not spec.get("scopes") and not spec.get("scopeSelector")


def _bodies(conn: Connection, project: str) -> list[Object]:
    """The project's quotas that count what image streams hold."""
    quotas = [json.loads(body) for _, body in quota_usage.quota_bodies(conn, project)]
    return [quota for quota in quotas if _counts_images(quota)]


def _check(quota: Object, before: Counts, after: Counts) -> None:
    for name, limit in _hard(quota).items():
        used, now = before.get(name, 0), after.get(name, 0)
        if now > used and now > parse_quantity(limit):
            raise Forbidden(
                f"exceeded quota: {quota['metadata']['name']}, "
                f"requested: {name}={shown(name, now - used)}, "
                f"used: {name}={shown(name, used)}, limited: {name}={limit}"
            )


def shown(name: str, value: int) -> str:
    return format_bytes(value) if name == STORAGE else str(value)


def _status_of(quota: Object, counts: Counts) -> Object:
    hard = _hard(quota)
    return {"hard": dict(hard), "used": {name: shown(name, counts.get(name, 0)) for name in hard}}


def _write_status(tx: Transaction, quotas: list[Object], counts: Counts) -> None:
    for quota in quotas:
        meta = quota["metadata"]
        updated = {**quota, "status": _status_of(quota, counts)}
        tx.update(quota_ref(meta["namespace"], meta["name"]), updated)
