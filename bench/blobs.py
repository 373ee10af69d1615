"""Benchmark blobs: unique bytes cut from one big random file, sent with sendfile."""

import hashlib
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path

MiB = 1 << 20
GiB = 1 << 30
PREFIX = 64  # unique random bytes in front of every blob, so no two blobs are equal


def ensure_source(path: Path, size: int) -> Path:
    """A file of `size` random bytes, made once and kept between runs."""
    if path.exists() and path.stat().st_size >= size:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as out:
        for _ in range(0, size, 64 * MiB):
            out.write(os.urandom(64 * MiB))
    tmp.rename(path)
    return path


@dataclass
class Blob:
    """`size` bytes: a random prefix, then the source file from `offset`."""

    source: Path
    offset: int
    size: int
    prefix: bytes = field(default_factory=lambda: os.urandom(PREFIX))
    _digest: str = ""

    @property
    def digest(self) -> str:
        if not self._digest:
            self._digest = "sha256:" + self._hash().hexdigest()
        return self._digest

    def _hash(self) -> "hashlib._Hash":
        h = hashlib.sha256(self.prefix[: self.size])
        with self.source.open("rb") as f:
            f.seek(self.offset)
            left = self.size - len(self.prefix)
            while left > 0:
                chunk = f.read(min(8 * MiB, left))
                h.update(chunk)
                left -= len(chunk)
        return h

    def send(self, sock: socket.socket, start: int = 0, end: int | None = None) -> None:
        """Write bytes [start, end) of the blob to `sock`: prefix by sendall, rest by sendfile."""
        end = self.size if end is None else end
        if start < len(self.prefix):
            sock.sendall(self.prefix[start : min(end, len(self.prefix))])
            start = len(self.prefix)
        if start >= end:
            return
        with self.source.open("rb") as f:
            sock.sendfile(f, self.offset + start - len(self.prefix), end - start)


def blobs(source: Path, count: int, size: int) -> list[Blob]:
    """`count` distinct blobs of `size` bytes, cut from consecutive ranges of the source."""
    span = source.stat().st_size - size
    return [Blob(source, (i * size) % max(span, 1), size) for i in range(count)]
