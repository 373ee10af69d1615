"""Limits on failed authentications, so that passwords and tokens cannot be guessed quickly.

Each key (a user name, a source address) may fail `limit` times in a sliding
`window`; after that every attempt under it is refused until the oldest
failure leaves the window. State is per process: with N processes behind one
port an attacker gets at most N times the limit, still far too few to guess a
token or a generated password. Memory is bounded: past MAX_KEYS keys, those
with no failure in the window go first, then the longest-known ones.
"""

import math
import threading
import time
from collections import deque
from collections.abc import Callable

MAX_KEYS = 100_000


class FailureLimiter:
    def __init__(
        self,
        limit: int = 10,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.limit, self.window = limit, window
        self._clock, self._max_keys = clock, max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, *keys: str) -> int:
        """Seconds until an attempt under all of `keys` may be made; 0 when it may be now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key in keys:
                failures = self._recent(key, now)
                if failures is not None and len(failures) >= self.limit:
                    wait = max(wait, failures[0] + self.window - now)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, *keys: str) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= self._max_keys:
                self._forget_stale(now)
            for key in keys:
                self._failures.setdefault(key, deque(maxlen=self.limit)).append(now)

    def _recent(self, key: str, now: float) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures

    def _forget_stale(self, now: float) -> None:
        for key in list(self._failures):
            self._recent(key, now)
        while len(self._failures) >= self._max_keys:
            del self._failures[next(iter(self._failures))]


class LoginLimits:
    """Failed logins counted per user name and, more loosely, per source address."""

    def __init__(self, per_user: int = 10, per_source: int = 30, window: float = 60.0) -> None:
        self._users = FailureLimiter(per_user, window)
        self._sources = FailureLimiter(per_source, window)

    def retry_after(self, user: str, source: str) -> int:
        return max(self._users.retry_after(user), self._sources.retry_after(source))

    def failed(self, user: str, source: str) -> None:
        self._users.failed(user)
        self._sources.failed(source)
