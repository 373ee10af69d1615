"""The RBAC policy as stored: roles and bindings read once, read again only when they change.

Whether anything changed is one indexed lookup of the newest RBAC change
(ResourceStore.newest_change), whatever the number of roles, bindings and
events; while it is unchanged, the indexed Policy built from the last read
answers without touching the store. On an event loop, `fresh` reads the
policy again in a thread; `current` is for threads.
"""

import asyncio
import threading

from moorage.auth.rbac import Attributes, Decision, Policy
from moorage.resources.groups import RBAC
from moorage.store.resources import ResourceStore

_UNREAD = object()
PLURALS = ("clusterroles", "roles", "clusterrolebindings", "rolebindings")


class StoredPolicy:
    def __init__(self, store: ResourceStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._version: object = _UNREAD
        self._policy = Policy([], [], [], [])

    def authorize(self, attributes: Attributes) -> Decision:
        return self.current().authorize(attributes)

    def current(self) -> Policy:
        """The policy as of now; reads every role and binding when one changed (blocking)."""
        version = self._store.newest_change(RBAC)
        with self._lock:
            if version != self._version:
                # The version is read before the objects: a change in between makes the
                # next call read them again, never keeps a stale policy.
                self._policy = self._read()
                self._version = version
            return self._policy

    async def fresh(self) -> Policy:
        """The policy as of now, for the event loop: a change is read in a thread."""
        if self._store.newest_change(RBAC) == self._version:
            return self._policy
        return await asyncio.to_thread(self.current)

    def _read(self) -> Policy:
        with self._store.reading() as tx:
            listed = [tx.list(RBAC, plural, None).items for plural in PLURALS]
        return Policy(*listed)
