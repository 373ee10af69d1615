"""The keys that sign registry tokens, kept in the store so every registry process shares them.

One Secret, `openshift-image-registry/image-registry-token-signing-keys`:

    data:        <kid>: base64(256 random bits)       one entry per key
    annotations: image-registry.moorage.io/current-key: <kid>         signs new tokens
                 image-registry.moorage.io/keys-created: {"<kid>": <unix seconds>, ...}

New tokens are signed with the current key; any key in the set verifies.
`rotate` adds a new current key and drops the keys that can no longer have a
live token: those older than the previous current key by more than two token
lifetimes. A process reads the set at start, again when a token names a key
it does not know (at most once a second, so a rotation made elsewhere is
picked up without logging anyone out), and rotates when the current key is
older than ROTATE_AFTER. Write transactions are serialized (store/database.py),
so two processes never rotate the same set twice.
"""

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moorage.auth.registry_tokens import TOKEN_LIFETIME
from moorage.store.resources import Ref, ResourceStore, Transaction

SECRET = Ref("", "secrets", "openshift-image-registry", "image-registry-token-signing-keys")
CURRENT = "image-registry.moorage.io/current-key"
CREATED = "image-registry.moorage.io/keys-created"
ROTATE_AFTER = 24 * 3600
RELOAD_INTERVAL = 1.0
KEY_BYTES = 32
Clock = Callable[[], float]
Object = dict[str, Any]


@dataclass(frozen=True)
class KeySet:
    current: str
    keys: dict[str, bytes]
    created: dict[str, float]

    @property
    def signing_key(self) -> bytes:
        return self.keys[self.current]

    def age(self, now: float) -> float:
        return now - self.created[self.current]


def new_kid() -> str:
    return secrets.token_hex(8)


def _decode(secret: Object) -> KeySet:
    annotations = secret["metadata"].get("annotations") or {}
    keys = {kid: base64.b64decode(value) for kid, value in (secret.get("data") or {}).items()}
    created = {kid: float(at) for kid, at in json.loads(annotations.get(CREATED, "{}")).items()}
    return KeySet(annotations.get(CURRENT, ""), keys, created)


def _encode(keys: KeySet) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": SECRET.name,
            "namespace": SECRET.namespace,
            "annotations": {
                CURRENT: keys.current,
                CREATED: json.dumps({kid: int(at) for kid, at in keys.created.items()}),
            },
        },
        "type": "Opaque",
        "data": {kid: base64.b64encode(key).decode() for kid, key in keys.keys.items()},
    }


def _with_new_key(keys: KeySet | None, now: float) -> KeySet:
    """`keys` plus a new current key, less the keys no live token can be signed with."""
    kid = new_kid()
    kept_since = -float("inf")
    if keys is not None and keys.current in keys.created:
        kept_since = keys.created[keys.current] - 2 * TOKEN_LIFETIME
    old = keys or KeySet("", {}, {})
    kept = {k for k in old.keys if old.created.get(k, now) >= kept_since}
    return KeySet(
        kid,
        {**{k: old.keys[k] for k in kept}, kid: secrets.token_bytes(KEY_BYTES)},
        {**{k: old.created.get(k, now) for k in kept}, kid: float(int(now))},
    )


def _usable(keys: KeySet) -> bool:
    return keys.current in keys.keys and keys.current in keys.created


def _store_new_key(tx: Transaction, now: float, due: Callable[[KeySet], bool]) -> KeySet:
    """The stored set, with a new current key first when it has none or `due` says so."""
    stored = tx.get(SECRET)
    keys = None if stored is None else _decode(stored)
    if keys is not None and _usable(keys) and not due(keys):
        return keys
    rotated = _with_new_key(keys, now)
    if stored is None:
        tx.create(SECRET, _encode(rotated))
    else:
        tx.update(SECRET, _encode(rotated))
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
        keys = _decode(stored)
        if _usable(keys) and keys.age(now) < ROTATE_AFTER:
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
        self._read_at = -float("inf")  # the first unknown key is looked for at once

    def signing(self) -> tuple[str, bytes]:
        """(kid, key) to sign a new token with, rotating first when the key is due."""
        keys = self._keys
        if keys.age(self._clock()) >= ROTATE_AFTER:
            keys = self._reload(force=True)
        return keys.current, keys.signing_key

    def key(self, kid: str) -> bytes | None:
        """The key named `kid`; an unknown one makes the set be read again (once a second)."""
        key = self._keys.keys.get(kid)
        if key is None:
            key = self._reload(force=False).keys.get(kid)
        return key

    def _reload(self, force: bool) -> KeySet:
        with self._lock:
            if force or time.monotonic() - self._read_at >= RELOAD_INTERVAL:
                self._keys = load(self._store, self._clock)
                self._read_at = time.monotonic()
            return self._keys
