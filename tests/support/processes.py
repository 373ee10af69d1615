"""A server the tests run as its own process: started, waited for until it answers, stopped."""

import os
import subprocess
import time
from collections.abc import Callable, Sequence

START_SECONDS = 30.0


def started(
    command: Sequence[str], answers: Callable[[], bool], env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`command` running and answering (`answers`), or an assertion naming it."""
    name = os.path.basename(command[0])
    process = subprocess.Popen(
        list(command),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **env} if env else None,
    )
    deadline = time.monotonic() + START_SECONDS
    while not answers():
        assert process.poll() is None, f"{name} exited at start"
        assert time.monotonic() < deadline, f"{name} did not answer within {START_SECONDS:g} s"
        time.sleep(0.05)
    return process


def stopped(process: subprocess.Popen[bytes] | None) -> None:
    if process is not None:
        process.terminate()
        process.wait(timeout=30)
