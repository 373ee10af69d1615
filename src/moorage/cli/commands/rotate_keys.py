"""`moorage adm rotate-registry-token-keys`: a new key signs registry tokens from now on.

The keys live in a Secret the registry processes read; this adds a new current
key through the API (as kubeadmin or anyone who may update that Secret) and
drops only keys that can no longer have a live token, so nobody is logged out:
tokens signed before stay valid until they expire. Every registry process signs
with the new key within a second.
"""

import argparse
import time
from typing import Any

from moorage.auth import key_sets
from moorage.cli.options import add_command
from moorage.cli.session import Session

PATH = f"/api/v1/namespaces/{key_sets.NAMESPACE}/secrets/{key_sets.NAME}"
DESCRIPTION = """Rotate the keys that sign the registry's tokens (the bearer tokens
clients get from /openshift/token): a new key signs every token from now on;
tokens signed before stay valid until they expire, so nobody is logged out. Do
it on a schedule, or at once when a key may have leaked. The registry also
rotates by itself once a day."""


def register(adm: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        adm,
        "rotate-registry-token-keys",
        "sign registry tokens with a new key",
        DESCRIPTION,
        common,
        "example:\n  moorage adm rotate-registry-token-keys",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    try:
        stored = session.client.get(PATH)
        rotated = key_sets.with_new_key(key_sets.decode(stored), time.time())
        secret = key_sets.encode(rotated)
        secret["metadata"]["resourceVersion"] = stored["metadata"]["resourceVersion"]
        session.client.replace(PATH, secret)
    finally:
        session.close()
    kept = len(rotated.keys) - 1
    print(f"secret/{key_sets.NAME} rotated: key {rotated.current} signs new tokens; {kept} kept")
    return 0
