"""The keys that sign registry tokens, kept in the store so every registry process shares them.

One Secret, `openshift-image-registry/image-registry-token-signing-keys` (its
shape and the rotation rule are in key_sets.py). New tokens are signed with the
current key; any key in the set verifies. A process reads the set at start,
again when a token names a key it does not know, and before signing (each at
most once a second), so a rotation made elsewhere (another process, or
`moorage adm rotate-registry-token-keys` through the API) is picked up without
logging anyone out; it rotates itself when the current key is older than
ROTATE_AFTER. Write transactions are serialized (store/database.py), so two
processes never rotate the same set twice. Signing and learning a key may read
the store: on an event loop they run in a thread (`known` never reads it).
"""

import threading
import time
from collections.abc import Callable

from moorage.auth import key_sets
from moorage.auth.key_sets import KeySet
from moorage.store.resources import Ref, ResourceStore, Transaction

SECRET = Ref("", "secrets", key_sets.NAMESPACE, key_sets.NAME)
ROTATE_AFTER = 24 * 3600
RELOAD_INTERVAL = 1.0
Clock = Callable[[], float]


def _store_new_key(tx: Transaction, now: float, due: Callable[[KeySet], bool]) -> KeySet:
    """The stored set, with a new current key first when it has none or `due` says so."""
    stored = tx.get(SECRET)
    keys = None if stored is None else key_sets.decode(stored)
    if keys is not None and keys.usable() and not due(keys):
        return keys
    rotated = key_sets.with_new_key(keys, now)
    if stored is None:
        tx.create(SECRET, key_sets.encode(rotated))
    else:
        tx.update(SECRET, key_sets.encode(rotated))
    return rotated


def rotate(store: ResourceStore, clock: Clock = time.time) -> KeySet:
    """Add a new current signing key; tokens signed with the keys kept stay valid."""
    with store.transaction() as tx:
        return _store_new_key(tx, clock(), lambda _keys: True)


def load(store: ResourceStore, clock: Clock = time.time) -> KeySet:
    """The stored set, made when missing and rotated when its current key is due."""
    now = clock()
    with store.reading() as tx:
        stored = tx.get(SECRET)
    if stored is not None:
        keys = key_sets.decode(stored)
        if keys.usable() and keys.age(now) < ROTATE_AFTER:
            return keys
    with store.transaction() as tx:
        return _store_new_key(tx, now, lambda keys: keys.age(now) >= ROTATE_AFTER)


class SigningKeys:
    """One process's view of the key set: read at start, read again when it must be."""

    def __init__(self, store: ResourceStore, clock: Clock = time.time) -> None:
        self._store = store
        self._clock = clock
        self._lock = threading.Lock()
        self._keys = load(store, clock)
        # When the set was last read for signing, and for an unknown key: each path reads
        # at most once a second, and a flood of forged key ids cannot delay a rotation.
        self._read_at = {"signing": -float("inf"), "unknown": -float("inf")}

    def signing(self) -> tuple[str, bytes]:
        """(kid, key) to sign a new token with: a rotation made elsewhere within the last
        second at most is followed, and the set is rotated first when its key is due."""
        keys = self._reload("signing", force=self._keys.age(self._clock()) >= ROTATE_AFTER)
        return keys.current, keys.signing_key

    def key(self, kid: str) -> bytes | None:
        """The key named `kid`; an unknown one makes the set be read again (once a second)."""
        key = self._keys.keys.get(kid)
        if key is None:
            key = self._reload("unknown").keys.get(kid)
        return key

    def known(self, kid: str) -> bytes | None:
        return self._keys.keys.get(kid)

    def _reload(self, why: str, force: bool = False) -> KeySet:
        with self._lock:
            now = time.monotonic()
            if force or now - self._read_at[why] >= RELOAD_INTERVAL:
                self._keys = load(self._store, self._clock)
                self._read_at[why] = now
            return self._keys
