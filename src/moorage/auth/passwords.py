"""Password checks: bcrypt hashes, and the htpasswd identity provider's file.

Only bcrypt entries (`htpasswd -B`) are accepted, as OpenShift's htpasswd
provider requires; the file is read again when its modification time or size
changes, so adding a user needs no restart.
"""

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import bcrypt

log = logging.getLogger("moorage.auth")
BCRYPT_PREFIXES = ("$2a$", "$2b$", "$2y$")
# A hash to check against when the user does not exist, so that the answer takes as long.
_DUMMY = bcrypt.hashpw(b"moorage", bcrypt.gensalt(10))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(10)).decode()


def check_password(password: str, hashed: str | None) -> bool:
    """Constant-time in the password; as slow for a missing entry as for a wrong password."""
    target = hashed.encode() if hashed and hashed.startswith(BCRYPT_PREFIXES) else _DUMMY
    try:
        matched = bcrypt.checkpw(password.encode(), target)
    except ValueError:
        return False
    return matched and target is not _DUMMY


@dataclass(frozen=True)
class _Snapshot:
    stamp: tuple[int, int]
    entries: dict[str, str]


class HtpasswdFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._snapshot = _Snapshot((-1, -1), {})

    def check(self, user: str, password: str) -> bool:
        return check_password(password, self._entries().get(user))

    def _entries(self) -> dict[str, str]:
        try:
            status = os.stat(self.path)
        except OSError as exc:
            log.warning("htpasswd file %s cannot be read: %s", self.path, exc.strerror)
            return {}
        stamp = (status.st_mtime_ns, status.st_size)
        with self._lock:
            if stamp != self._snapshot.stamp:
                self._snapshot = _Snapshot(stamp, self._read())
            return self._snapshot.entries

    def _read(self) -> dict[str, str]:
        entries = {}
        for number, line in enumerate(self.path.read_text(errors="replace").splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            user, sep, hashed = line.partition(":")
            if not sep or not user or not hashed.startswith(BCRYPT_PREFIXES):
                log.warning("htpasswd %s line %d skipped: not user:bcrypt-hash", self.path, number)
                continue
            entries[user] = hashed
        log.info("htpasswd file %s read: %d users", self.path, len(entries))
        return entries
