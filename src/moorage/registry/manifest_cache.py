"""Manifest bytes by digest: immutable, so cached without invalidation."""

from collections import OrderedDict


class ManifestCache:
    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes

    def get(self, digest: str) -> bytes | None:
        body = self._entries.get(digest)
        if body is not None:
            self._entries.move_to_end(digest)
        return body

    def put(self, digest: str, body: bytes) -> None:
        if digest in self._entries or len(body) > self._max:
            return
        self._entries[digest] = body
        self._bytes += len(body)
        while self._bytes > self._max:
            _, evicted = self._entries.popitem(last=False)
            self._bytes -= len(evicted)
