"""Upload identifiers that carry their own proof, and the hashes of uploads in flight.

An upload id names the repository it was started for without storing that
anywhere: `<uuid>.<started, hex seconds>.<HMAC over repository, uuid, started>`.
Any worker holding the secret can continue any upload, and an id cannot be
replayed against another repository or forged.
"""

import hashlib
import hmac
import re
import time
import uuid
from collections import OrderedDict

from moorage.content.errors import BlobUploadUnknown

UPLOAD_LIFETIME = 7 * 24 * 3600
_ID = re.compile(r"^([0-9a-f]{32})\.([0-9a-f]{1,12})\.([0-9a-f]{64})$")


class UploadIds:
    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def new(self, repository: str) -> tuple[str, str]:
        """A fresh (upload id, storage key) pair for `repository`."""
        key = uuid.uuid4().hex
        started = f"{int(time.time()):x}"
        return f"{key}.{started}.{self._sign(repository, key, started)}", key

    def verify(self, repository: str, upload_id: str) -> str:
        """The storage key of a genuine, unexpired upload of `repository`."""
        match = _ID.match(upload_id)
        if match is None:
            raise BlobUploadUnknown("unknown upload")
        key, started, signature = match.groups()
        if not hmac.compare_digest(signature, self._sign(repository, key, started)):
            raise BlobUploadUnknown("unknown upload")
        if time.time() - int(started, 16) > UPLOAD_LIFETIME:
            raise BlobUploadUnknown("upload expired")
        return key

    def _sign(self, repository: str, key: str, started: str) -> str:
        message = f"{repository}\0{key}\0{started}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


class HashStates:
    """sha256 state of uploads this worker has seen every byte of, keyed by storage key.

    hashlib state cannot move between processes, so a worker that did not
    see an upload's earlier bytes re-reads them at commit instead.
    """

    def __init__(self, capacity: int = 4096) -> None:
        self._states: OrderedDict[str, tuple[hashlib._Hash, int]] = OrderedDict()
        self._capacity = capacity

    def take(self, key: str, offset: int) -> "hashlib._Hash | None":
        """The hash of bytes [0, offset) of the upload, if this worker has it."""
        state = self._states.pop(key, None)
        if state is not None and state[1] == offset:
            return state[0]
        return hashlib.sha256() if offset == 0 else None

    def keep(self, key: str, hasher: "hashlib._Hash", offset: int) -> None:
        self._states[key] = (hasher, offset)
        if len(self._states) > self._capacity:
            self._states.popitem(last=False)

    def forget(self, key: str) -> None:
        self._states.pop(key, None)
