"""The RBAC policy as stored: roles and bindings read once, read again only when they change.

Each decision first asks the store for the newest change to an RBAC object
(one indexed lookup on the change log); while that is unchanged, the indexed
Policy built from the last read answers without touching the store.
"""

import threading

from sqlalchemy import Engine, bindparam, func, select

from moorage.auth.rbac import Attributes, Decision, Policy
from moorage.resources.groups import RBAC
from moorage.store.fast_reads import FastReads
from moorage.store.resources import ResourceStore
from moorage.store.schema import resource_events

_NEWEST_CHANGE = select(func.max(resource_events.c.resource_version)).where(
    resource_events.c.api_group == bindparam("group")
)
_UNREAD = object()
PLURALS = ("clusterroles", "roles", "clusterrolebindings", "rolebindings")


class StoredPolicy:
    def __init__(self, store: ResourceStore, engine: Engine) -> None:
        self._store = store
        self._fast = FastReads(engine)
        self._newest = self._fast.prepare(_NEWEST_CHANGE)
        self._lock = threading.Lock()
        self._version: object = _UNREAD
        self._policy = Policy([], [], [], [])

    def authorize(self, attributes: Attributes) -> Decision:
        return self.current().authorize(attributes)

    def current(self) -> Policy:
        with self._lock:
            row = self._fast.one(self._newest, group=RBAC)
            version = row[0] if row else None
            if version != self._version:
                self._policy = self._read()
                self._version = version
            return self._policy

    def _read(self) -> Policy:
        with self._store.reading() as tx:
            listed = [tx.list(RBAC, plural, None).items for plural in PLURALS]
        return Policy(*listed)

    def close(self) -> None:
        self._fast.close()
