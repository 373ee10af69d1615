"""The RBAC policy as stored: roles and bindings read once, read again only when they change.

Whether anything changed is one indexed lookup of the newest RBAC change
(ResourceStore.newest_change), whatever the number of roles, bindings and
events; while it is unchanged, the indexed Policy built from the last read
answers without touching the store. On an event loop, `fresh` asks through
the loop's FastReads and reads a changed policy in a thread; `current` is for
threads, and reads the version and the objects in one snapshot.
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
        with self._store.reading() as tx, self._lock:
            version = tx.newest_change(RBAC)
            if version != self._version:
                listed = [tx.list(RBAC, plural, None).items for plural in PLURALS]
                self._policy = Policy(*listed)
                self._version = version
            return self._policy

    async def fresh(self) -> Policy:
        """The policy as of now, for the event loop: a change is read in a thread."""
        if self._store.newest_change(RBAC) == self._version:
            return self._policy
        return await asyncio.to_thread(self.current)
