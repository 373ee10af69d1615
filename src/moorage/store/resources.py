"""API objects in one table, and the change log that gives resourceVersion and watch.

Every change (create, update, delete) appends a row to `resource_events`;
its sequence number is the object's new resourceVersion, so versions are
totally ordered across every kind and every process sharing the database.
A watch is a read of that log from a version on. The log is trimmed to its
newest EVENT_RETENTION rows; resuming from before that is 410 Gone.
"""

from __future__ import annotations

import builtins
import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from moorage.resources.objects import Object
from moorage.store.database import reader, writer
from moorage.store.errors import AlreadyExists, Conflict, Gone, NotFound
from moorage.store.fast_reads import FastReads
from moorage.store.schema import resource_events, resources

EVENT_RETENTION = 100_000
Render = Callable[[Object], Object]


@dataclass(frozen=True, slots=True)
class Ref:
    group: str
    plural: str
    namespace: str  # "" for cluster-scoped kinds
    name: str

    @property
    def resource(self) -> str:
        """The resource as Kubernetes names it in messages: `plural.group`, or `plural`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Object]
    resource_version: int
    continue_after: tuple[str, str] | None  # (namespace, name) of the last item, when more follow


@dataclass(frozen=True, slots=True)
class Event:
    resource_version: int
    type: str
    namespace: str
    object: Object


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


_NEWEST_IN_GROUP = select(func.max(resource_events.c.resource_version)).where(
    resource_events.c.api_group == bindparam("group")
)
_NEWEST_OF_KIND = _NEWEST_IN_GROUP.where(resource_events.c.plural == bindparam("plural"))


class Transaction:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    @property
    def connection(self) -> Connection:
        return self._conn

    def get(self, ref: Ref) -> Object | None:
        body = self._conn.execute(select(resources.c.body).where(_key(ref))).scalar()
        return None if body is None else json.loads(body)

    def require(self, ref: Ref) -> Object:
        found = self.get(ref)
        if found is None:
            raise NotFound(f'{ref.resource} "{ref.name}" not found')
        return found

    def list(
        self,
        group: str,
        plural: str,
        namespace: str | None,
        limit: int | None = None,
        after: tuple[str, str] | None = None,
    ) -> Page:
        query = select(resources.c.namespace, resources.c.name, resources.c.body).where(
            resources.c.api_group == group, resources.c.plural == plural
        )
        if namespace is not None:
            query = query.where(resources.c.namespace == namespace)
        if after is not None:
            ns, name = after
            query = query.where(
                or_(
                    resources.c.namespace > ns,
                    and_(resources.c.namespace == ns, resources.c.name > name),
                )
            )
        query = query.order_by(resources.c.namespace, resources.c.name)
        if limit:
            query = query.limit(limit + 1)
        rows = self._conn.execute(query).all()
        more = limit is not None and 0 < limit < len(rows)
        rows = rows[:limit] if limit else rows
        last = (rows[-1][0], rows[-1][1]) if more else None
        return Page([json.loads(r[2]) for r in rows], self.latest_version(), last)

    def namespaced_kinds(self, namespace: str) -> builtins.list[tuple[str, str]]:
        """(group, plural) of every kind with objects in `namespace`."""
        query = (
            select(resources.c.api_group, resources.c.plural)
            .where(resources.c.namespace == namespace)
            .distinct()
        )
        return [(group, plural) for group, plural in self._conn.execute(query)]

    def newest_change(self, group: str, plural: str | None = None) -> int | None:
        """As ResourceStore.newest_change, in this transaction's snapshot (for threads)."""
        if plural is None:
            return self._conn.execute(_NEWEST_IN_GROUP, {"group": group}).scalar()
        return self._conn.execute(_NEWEST_OF_KIND, {"group": group, "plural": plural}).scalar()

    def latest_version(self) -> int:
        return (
            self._conn.execute(select(func.max(resource_events.c.resource_version))).scalar() or 0
        )

    def create(self, ref: Ref, obj: Object, shown: Render | None = None) -> Object:
        if self.get(ref) is not None:
            raise AlreadyExists(f'{ref.resource} "{ref.name}" already exists')
        meta = obj.setdefault("metadata", {})
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=now())
        meta.setdefault("generation", 1)
        version = self._record(ref, "ADDED", obj, shown)
        self._conn.execute(
            insert(resources).values(
                api_group=ref.group,
                plural=ref.plural,
                namespace=ref.namespace,
                name=ref.name,
                resource_version=version,
                body=json.dumps(obj),
            )
        )
        return obj

    def update(
        self,
        ref: Ref,
        obj: Object,
        expected_version: str | None = None,
        shown: Render | None = None,
    ) -> Object:
        """Replace an object; `expected_version`, when given, must be its current one.

        `shown`, when given, renders what watchers see of the stored object (a kind
        whose status is derived from other tables shows it in its events).
        """
        current = self.require(ref)
        current_version = current["metadata"]["resourceVersion"]
        if expected_version and expected_version != current_version:
            raise Conflict(
                f'Operation cannot be fulfilled on {ref.resource} "{ref.name}": the object has '
                "been modified; please apply your changes to the latest version and try again"
            )
        meta = obj.setdefault("metadata", {})
        for kept in ("uid", "creationTimestamp"):
            meta[kept] = current["metadata"][kept]
        generation = current["metadata"].get("generation", 1)
        if obj.get("spec") != current.get("spec"):
            generation += 1
        meta["generation"] = generation
        version = self._record(ref, "MODIFIED", obj, shown)
        self._conn.execute(
            update(resources)
            .where(_key(ref))
            .values(resource_version=version, body=json.dumps(obj))
        )
        return obj

    def delete(self, ref: Ref, shown: Render | None = None) -> Object:
        current = self.require(ref)
        self._record(ref, "DELETED", current, shown)
        self._conn.execute(delete(resources).where(_key(ref)))
        return current

    def _record(self, ref: Ref, type_: str, obj: Object, shown: Render | None) -> int:
        version = self._conn.execute(
            insert(resource_events)
            .values(
                api_group=ref.group, plural=ref.plural, namespace=ref.namespace, type=type_, body=""
            )
            .returning(resource_events.c.resource_version)
        ).scalar_one()
        obj["metadata"]["resourceVersion"] = str(version)
        self._conn.execute(
            update(resource_events)
            .where(resource_events.c.resource_version == version)
            .values(body=json.dumps(shown(obj) if shown else obj))
        )
        return version


_EXISTS = select(resources.c.id).where(
    resources.c.api_group == bindparam("group"),
    resources.c.plural == bindparam("plural"),
    resources.c.namespace == bindparam("namespace"),
    resources.c.name == bindparam("name"),
)


class ResourceStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = reader(engine)  # one snapshot per read transaction
        self._writer = writer(engine)
        self._fast = FastReads(engine)
        self._exists = self._fast.prepare(_EXISTS)
        self._newest_in_group = self._fast.prepare(_NEWEST_IN_GROUP)
        self._newest_of_kind = self._fast.prepare(_NEWEST_OF_KIND)

    def newest_change(self, group: str, plural: str | None = None) -> int | None:
        """The resourceVersion of the latest change to an API group (or one of its kinds)
        still in the log: one indexed lookup, whatever the size of the log. For the event
        loop (FastReads); threads ask Transaction.newest_change.

        Any later change gives a greater number, so a cache built after reading it is
        current while it is unchanged (None once trimming took every such change).
        """
        if plural is None:
            row = self._fast.one(self._newest_in_group, group=group)
        else:
            row = self._fast.one(self._newest_of_kind, group=group, plural=plural)
        return row[0] if row else None

    def exists(self, ref: Ref) -> bool:
        """Whether an object exists: one indexed lookup, cheap enough for a request path."""
        found = self._fast.one(
            self._exists,
            group=ref.group,
            plural=ref.plural,
            namespace=ref.namespace,
            name=ref.name,
        )
        return found is not None

    def close(self) -> None:
        """Close the connection of the request-path reads."""
        self._fast.close()

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        with self._writer.begin() as conn:
            yield Transaction(conn)

    @contextmanager
    def reading(self) -> Iterator[Transaction]:
        with self._engine.connect() as conn:
            yield Transaction(conn)

    def events_after(self, version: int, group: str, plural: str, limit: int = 500) -> list[Event]:
        """Changes to one kind after `version`, oldest first; Gone if the log no longer has them."""
        with self._engine.connect() as conn:
            oldest = conn.execute(select(func.min(resource_events.c.resource_version))).scalar()
            if oldest is not None and version < oldest - 1:
                raise Gone(f"too old resource version: {version} ({oldest - 1})")
            rows = conn.execute(
                select(
                    resource_events.c.resource_version,
                    resource_events.c.type,
                    resource_events.c.namespace,
                    resource_events.c.body,
                )
                .where(
                    resource_events.c.resource_version > version,
                    resource_events.c.api_group == group,
                    resource_events.c.plural == plural,
                )
                .order_by(resource_events.c.resource_version)
                .limit(limit)
            ).all()
        return [Event(v, t, ns, json.loads(body)) for v, t, ns, body in rows]

    def trim_events(self, keep: int = EVENT_RETENTION) -> None:
        with self._writer.begin() as conn:
            newest = conn.execute(select(func.max(resource_events.c.resource_version))).scalar()
            if newest is not None and newest > keep:
                conn.execute(
                    delete(resource_events).where(
                        resource_events.c.resource_version <= newest - keep
                    )
                )


def _key(ref: Ref) -> Any:
    return and_(
        resources.c.api_group == ref.group,
        resources.c.plural == ref.plural,
        resources.c.namespace == ref.namespace,
        resources.c.name == ref.name,
    )
