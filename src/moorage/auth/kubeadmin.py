"""The bootstrap administrator, `kubeadmin`, as the OpenShift installer makes it.

On first start a random password is generated, written once to
`<data-dir>/kubeadmin-password` (0600) and printed with the login command; the
server keeps only its bcrypt hash, in the Secret kube-system/kubeadmin.
Deleting that Secret removes the user for good: it is never made again.
"""

import base64
import os
import secrets
from pathlib import Path

from moorage.auth.passwords import check_password, hash_password
from moorage.store.resources import Ref, ResourceStore, Transaction

USERNAME = "kubeadmin"
NAMESPACE = "kube-system"
SECRET = Ref("", "secrets", NAMESPACE, "kubeadmin")
PASSWORD_FILE = "kubeadmin-password"
# The installer's shape: four groups of five characters, no look-alike letters.
ALPHABET = "23456789abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"


def password_hash(tx: Transaction) -> str | None:
    secret = tx.get(SECRET)
    if secret is None:
        return None
    encoded = (secret.get("data") or {}).get("kubeadmin")
    return base64.b64decode(encoded).decode() if encoded else None


def generate_password() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(5)) for _ in range(4))


def bootstrap(store: ResourceStore, data_dir: Path) -> str | None:
    """Make kubeadmin if this store never had it; returns the new password, or None.

    The password file marks that the bootstrap happened: once it exists, a missing
    Secret means an administrator deleted it, and kubeadmin stays gone. The file is
    written (under a temporary name) before the Secret, so a crash loses neither.
    """
    path = data_dir / PASSWORD_FILE
    pending = path.with_suffix(".tmp")
    if path.exists():
        return None
    with store.reading() as tx:
        stored = password_hash(tx)
    if stored is not None:
        if pending.exists() and check_password(pending.read_text(), stored):
            os.rename(pending, path)  # a start that crashed after creating the Secret
            return path.read_text()
        return None  # another data directory bootstrapped this database
    password = generate_password()
    _write_private(pending, password)
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": SECRET.name, "namespace": NAMESPACE},
        "type": "Opaque",
        "data": {"kubeadmin": base64.b64encode(hash_password(password).encode()).decode()},
    }
    with store.transaction() as tx:
        if tx.get(SECRET) is not None:
            return None
        tx.create(SECRET, secret)
    os.rename(pending, path)
    return password


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
