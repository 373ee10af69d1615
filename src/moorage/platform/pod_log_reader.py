"""Reading a pod's log: from where the reader asks (its last N lines, the lines written
since a time), then, when following, each line as it is written, across rotations,
until the pod's log is removed.

A cursor holds its files open: a file rotated or removed while it is read is read
to its end all the same.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from moorage.platform.pod_logs import PodLogs

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Window:
    tail: int | None = None  # only the last N lines
    since: str | None = None  # only lines stamped at or after it (pod_logs.stamp)


class Cursor:
    def __init__(
        self, logs: PodLogs, pod: str, files: list[BinaryIO], previous: bool = False
    ) -> None:
        self._logs, self._pod, self._previous = logs, pod, previous
        self._path = logs.path(pod, previous)
        self._files = files  # oldest first; the last is written to unless it moved
        self._partial = b""  # the start of a line not yet written to its end
        self.ended = False  # the log was removed (its pod is gone): nothing more comes

    def read(self) -> bytes:
        """The whole lines written since the last read (b"": none yet)."""
        while not self.ended:
            if not self._files and not self._open_current():
                return b""
            data = self._files[0].read(CHUNK)
            if data:
                return self._whole_lines(data)
            if len(self._files) == 1 and not self._moved(self._files[0]):
                return b""
            self._finish_file()
            if self._partial:
                line, self._partial = self._partial + b"\n", b""
                return line
        return b""

    def close(self) -> None:
        for file in self._files:
            file.close()
        self._files.clear()

    def _whole_lines(self, data: bytes) -> bytes:
        data = self._partial + data
        end = data.rfind(b"\n") + 1
        self._partial = data[end:]
        return data[:end]

    def _moved(self, file: BinaryIO) -> bool:
        """The file is no longer the log's current one: rotated, or removed."""
        try:
            return os.stat(self._path).st_ino != os.fstat(file.fileno()).st_ino
        except FileNotFoundError:
            return True

    def _finish_file(self) -> None:
        file = self._files.pop(0)
        unlinked = os.fstat(file.fileno()).st_nlink == 0
        file.close()
        if unlinked and not self._files:
            # Removed, or rotated twice over while unread: then on from the oldest file left.
            self._files = _open_all(self._logs.files(self._pod, self._previous))
            self.ended = not self._files

    def _open_current(self) -> bool:
        try:
            self._files.append(self._path.open("rb"))
        except FileNotFoundError:
            return False  # not written yet, or being rotated this instant
        return True


def open_cursor(logs: PodLogs, pod: str, window: Window, previous: bool = False) -> Cursor:
    """Where `window` starts in the pod's log (with `previous`: its last instance's)."""
    files = _open_all(logs.files(pod, previous))
    index, offset = _start(files, window)
    for file in files[:index]:
        file.close()
    for position, file in enumerate(files[index:]):
        file.seek(offset if position == 0 else 0)
    return Cursor(logs, pod, files[index:], previous)


def without_stamps(lines: bytes) -> bytes:
    return b"".join(line.split(b" ", 1)[-1] for line in lines.splitlines(keepends=True))


def _open_all(paths: list[Path]) -> list[BinaryIO]:
    files: list[BinaryIO] = []
    for path in paths:
        try:
            files.append(path.open("rb"))
        except FileNotFoundError:
            continue  # rotated away since it was listed: its lines are in the next one
    return files


def _start(files: list[BinaryIO], window: Window) -> tuple[int, int]:
    """Which file, and where in it, the window begins."""
    if window.tail is None and window.since is None:
        return 0, 0
    since = window.since.encode() if window.since else None
    taken = 0
    for index in reversed(range(len(files))):
        for offset, line in _backwards(files[index]):
            if taken == window.tail or (since and line.split(b" ", 1)[0] < since):
                return index, offset + len(line)
            taken += 1
    return 0, 0


def _backwards(file: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """(offset, line) for each line of the file, the last first."""
    position = file.seek(0, os.SEEK_END)
    buffer = b""  # the file from `position` up to the lines already given
    while position > 0:
        step = min(CHUNK, position)
        position -= step
        file.seek(position)
        buffer = file.read(step) + buffer
        end = len(buffer)
        while (newline := buffer.rfind(b"\n", 0, end - 1)) >= 0:
            yield position + newline + 1, buffer[newline + 1 : end]
            end = newline + 1
        buffer = buffer[:end]
    if buffer:
        yield 0, buffer
