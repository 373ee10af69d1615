"""Secrets kept in the data directory (mode 0600), made once at first start: the HTTP
secret that signs upload ids, and the metrics secret that reads the registry's metrics."""

import os
import secrets
from collections.abc import Callable
from pathlib import Path

SECRET_BYTES = 32
METRICS_SECRET_FILE = "metrics-secret"


def load_or_create_secret(
    path: Path, make: Callable[[], bytes] = lambda: secrets.token_bytes(SECRET_BYTES)
) -> bytes:
    """Read the secret at `path`, creating it once, atomically, if it is missing."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        data = path.read_bytes()
        if len(data) < SECRET_BYTES:
            raise ValueError(f"{path} is shorter than {SECRET_BYTES} bytes: remove it") from None
        return data
    secret = make()
    with os.fdopen(fd, "wb") as f:
        f.write(secret)
        f.flush()
        os.fsync(f.fileno())
    return secret


def metrics_secret(data_dir: Path) -> str:
    """The metrics secret: text, since it is a Basic password (a final newline an editor
    added is not part of it)."""
    made = load_or_create_secret(
        data_dir / METRICS_SECRET_FILE, lambda: secrets.token_urlsafe(SECRET_BYTES).encode()
    )
    return made.decode().strip()
