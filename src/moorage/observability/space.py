"""Free space on the volume holding the registry's data, and when to warn that it runs low.

Low is below 5% of the volume or 1 GiB, whichever is smaller: 1 GiB alone would
call every small volume low, and 5% alone would sound on a large one with tens of GiB left.
"""

import os
from dataclasses import dataclass
from pathlib import Path

LOW_FRACTION = 0.05
LOW_BYTES = 1 << 30
MiB = 1 << 20


@dataclass(frozen=True, slots=True)
class Space:
    path: Path
    free: int  # bytes an unprivileged writer may still use
    total: int

    @property
    def low(self) -> bool:
        return self.free < min(self.total * LOW_FRACTION, LOW_BYTES)

    def warning(self) -> str:
        """For the log: how much is left, and where."""
        return self._text(f" on {self.path}")

    def notice(self) -> str:
        """For whoever calls the API: how much is left, not where the data lives."""
        return self._text("")

    def _text(self, where: str) -> str:
        percent = 100 * self.free / self.total if self.total else 0
        return (
            f"the registry's storage is running out of space: {self.free / MiB:.1f} MiB free "
            f"of {self.total / MiB:.1f} MiB ({percent:.1f}%){where}; "
            "pushes and API writes fail once it is full"
        )


def measure(path: Path) -> Space:
    stats = os.statvfs(path)
    return Space(path, stats.f_bavail * stats.f_frsize, stats.f_blocks * stats.f_frsize)
