"""What one import may take from other registries, all its requests together: time and
bytes. However many images it asks for and however its registries answer, it holds its
thread and its memory no longer and no more than this (plus one answer's bounded read)."""

import math
import time

from moorage.upstream.errors import UpstreamUnavailable


class Allowance:
    def __init__(self, seconds: float = math.inf, size: float = math.inf) -> None:
        self._deadline, self._size, self._spent = time.monotonic() + seconds, size, 0

    def seconds_before(self, url: str) -> float:
        """How long the answer from `url` may take; UpstreamUnavailable when nothing is left."""
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise UpstreamUnavailable(f"the import ran out of time before GET {url}")
        if self._spent >= self._size:
            raise UpstreamUnavailable(
                f"the import read its {self._size:.0f} bytes before GET {url}"
            )
        return left

    def spend(self, size: int, url: str) -> None:
        self._spent += size
        if self._spent > self._size:
            raise UpstreamUnavailable(f"the import read more than {self._size:.0f} bytes at {url}")
