"""Manifest bytes by digest: immutable, so cached without invalidation. Its lookups are
counted (hits and misses since the process started) for the registry's metrics."""

from collections import OrderedDict


class ManifestCache:
    def __init__(self, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self.hits = 0
        self.misses = 0

    def get(self, digest: str) -> bytes | None:
        body = self._entries.get(digest)
        if body is None:
            self.misses += 1
        else:
            self.hits += 1
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
