"""A registry's token signing keys as a value: the Secret they are kept in, and rotation.

Pure (no store, no clock of its own), so the CLI can rotate through the API and
the registry processes through the store with the same rule.

    data:        <kid>: base64(256 random bits)       one entry per key
    annotations: image-registry.moorage.io/current-key: <kid>         signs new tokens
                 image-registry.moorage.io/keys-created: {"<kid>": <unix seconds>, ...}

A key stops signing when the next one is made; tokens it signed live at most
TOKEN_LIFETIME after that, so it is kept for two lifetimes past its retirement.
"""

import base64
import json
import secrets
from dataclasses import dataclass

from moorage.auth.registry_tokens import TOKEN_LIFETIME
from moorage.resources.objects import Object

NAMESPACE = "openshift-image-registry"
NAME = "image-registry-token-signing-keys"
CURRENT = "image-registry.moorage.io/current-key"
CREATED = "image-registry.moorage.io/keys-created"
KEY_BYTES = 32


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

    def usable(self) -> bool:
        return self.current in self.keys and self.current in self.created


def new_kid() -> str:
    return secrets.token_hex(8)


def decode(secret: Object) -> KeySet:
    annotations = secret["metadata"].get("annotations") or {}
    keys = {kid: base64.b64decode(value) for kid, value in (secret.get("data") or {}).items()}
    created = {kid: float(at) for kid, at in json.loads(annotations.get(CREATED, "{}")).items()}
    return KeySet(annotations.get(CURRENT, ""), keys, created)


def encode(keys: KeySet) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": NAME,
            "namespace": NAMESPACE,
            "annotations": {
                CURRENT: keys.current,
                CREATED: json.dumps({kid: int(at) for kid, at in keys.created.items()}),
            },
        },
        "type": "Opaque",
        "data": {kid: base64.b64encode(key).decode() for kid, key in keys.keys.items()},
    }


def with_new_key(keys: KeySet | None, now: float) -> KeySet:
    """`keys` plus a new current key, less the keys no live token can be signed with."""
    old = keys or KeySet("", {}, {})
    kid = new_kid()
    kept = [k for k in old.keys if _retired(old, k, now) >= now - 2 * TOKEN_LIFETIME]
    return KeySet(
        kid,
        {**{k: old.keys[k] for k in kept}, kid: secrets.token_bytes(KEY_BYTES)},
        {**{k: old.created.get(k, now) for k in kept}, kid: float(int(now))},
    )


def _retired(keys: KeySet, kid: str, now: float) -> float:
    """When `kid` stopped signing: when the next key was made (now, for the current one)."""
    if kid == keys.current or kid not in keys.created:
        return now
    later = [at for at in keys.created.values() if at > keys.created[kid]]
    return min(later, default=now)
