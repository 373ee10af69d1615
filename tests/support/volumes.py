"""A small filesystem of a test's own (a tmpfs) to run out of space on, and filling it."""

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

MiB = 1 << 20


@contextmanager
def small_volume(path: Path, size_mib: int) -> Iterator[Path]:
    """A tmpfs of `size_mib` MiB mounted at `path` for the block; skips where none can be."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root (scripts/test runs as root)")
    path.mkdir(parents=True, exist_ok=True)
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size_mib}m", "tmpfs", str(path)]
    mounted = subprocess.run(mount, capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "--lazy", str(path)], check=True)


def free_bytes(path: Path) -> int:
    stats = os.statvfs(path)
    return stats.f_bavail * stats.f_frsize


def fill(path: Path, leave: int = 0) -> None:
    """Write the file `path` until its filesystem has at most `leave` bytes free."""
    with path.open("wb", buffering=0) as filler:
        try:
            while (room := free_bytes(path.parent) - leave) > 0:
                filler.write(b"\0" * min(room, MiB))
        except OSError as exc:
            if exc.errno != errno.ENOSPC:
                raise
