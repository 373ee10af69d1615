"""Each pod's log, kept as a kubelet keeps a container's: a file per pod under the data
directory, each line after the time it was written (RFC 3339, nanoseconds, UTC).

`<data-dir>/logs/<pod>.log` grows to MAX_BYTES, then moves to `<pod>.log.1` (the one
before it is dropped) and a new file starts: at most 2 x MAX_BYTES per pod. A
replica restarted in place starts a new log; the one it ended is kept as
`<pod>.previous.log` (and `.1`), as the kubelet keeps the last terminated
container's for `logs --previous`. A pod's files go when its replica is gone, and a
new `moorage serve` starts with none.
"""

import logging
import shutil
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path

MAX_BYTES = 10 * 1024 * 1024
ROTATED = ".1"
PREVIOUS = ".previous"


def stamp(nanoseconds: int) -> str:
    """RFC 3339 with nine fractional digits, as `kubectl logs --timestamps` prints them:
    fixed width, so stamps compare as strings."""
    seconds, fraction = divmod(nanoseconds, 1_000_000_000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{fraction:09d}Z"


class _Stamped(logging.Formatter):
    """Another formatter's line, after the time it is written."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return f"{stamp(time.time_ns())} {self._inner.format(record)}"


class PodLogs:
    """The directory of every pod's log."""

    def __init__(self, directory: Path, max_bytes: int = MAX_BYTES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    def path(self, pod: str, previous: bool = False) -> Path:
        """The file written to (with `previous`: the one the last instance ended)."""
        if not pod or "/" in pod or pod.startswith("."):
            raise ValueError(f"not a pod name: {pod!r}")
        return self.directory / f"{pod}{PREVIOUS if previous else ''}.log"

    def files(self, pod: str, previous: bool = False) -> list[Path]:
        """The pod's files, oldest first."""
        current = self.path(pod, previous)
        return [p for p in (current.with_name(current.name + ROTATED), current) if p.exists()]

    def retire(self, pod: str) -> None:
        """The pod's container is about to start again: its log becomes the previous one."""
        for path in self.files(pod, previous=True):
            path.unlink()
        ended, previous = self.path(pod), self.path(pod, previous=True)
        for suffix in ("", ROTATED):
            source = ended.with_name(ended.name + suffix)
            if source.exists():
                source.rename(previous.with_name(previous.name + suffix))

    def remove(self, pod: str) -> None:
        for path in self.files(pod) + self.files(pod, previous=True):
            path.unlink(missing_ok=True)

    def clear(self) -> None:
        """A new start: the pods of a previous run are gone, and so are their logs."""
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory.mkdir(parents=True)

    def keep(self, pod: str, *loggers: str) -> None:
        """What `loggers` (the root logger when none) log also goes to the pod's log,
        formatted as the root logger's first handler formats it."""
        formatter = logging.getLogger().handlers[0].formatter or logging.Formatter()
        handler = RotatingFileHandler(
            self.path(pod), maxBytes=self.max_bytes, backupCount=1, encoding="utf-8"
        )
        handler.setFormatter(_Stamped(formatter))
        for name in loggers or (None,):
            logging.getLogger(name).addHandler(handler)
