"""RSS and CPU time of a server's process tree, read from /proc and sampled in a thread."""

import contextlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """`pid` and every live process below it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in task.read_text().split())
    return found


def status_kib(pid: int, key: str) -> int:
    """A `kB` field of /proc/PID/status (VmRSS, VmHWM), 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of one process, None once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / TICK


@dataclass
class TreeMonitor:
    """Samples a process tree: peak of the summed RSS, peak of one process, CPU per process."""

    root: int
    interval: float = 0.2
    peak_sum_kib: int = 0
    peak_one_kib: int = 0
    window_sum_kib: int = 0  # the same two peaks since the last reset_window(), from VmRSS
    window_one_kib: int = 0
    cpu: dict[int, float] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.sample()
        self._stop.set()
        if self._thread:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        with self._lock:
            self._sample()

    def _sample(self) -> None:
        total = 0
        for pid in descendants(self.root):
            rss = status_kib(pid, "VmRSS")
            total += rss
            self.window_one_kib = max(self.window_one_kib, rss)
            hwm = max(rss, status_kib(pid, "VmHWM"))
            self.peak_one_kib = max(self.peak_one_kib, hwm)
            used = cpu_seconds(pid)
            if used is not None:
                self.cpu[pid] = used
        self.peak_sum_kib = max(self.peak_sum_kib, total)
        self.window_sum_kib = max(self.window_sum_kib, total)

    def reset_window(self) -> None:
        with self._lock:
            self.window_sum_kib = self.window_one_kib = 0

    def cpu_total(self) -> float:
        """CPU seconds of every process seen so far (the last value read for the dead ones)."""
        self.sample()
        return sum(self.cpu.values())

    def processes(self) -> int:
        return len(descendants(self.root))
