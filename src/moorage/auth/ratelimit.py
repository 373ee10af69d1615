"""Limits on failed password logins, so that a password cannot be guessed quickly.

Only passwords are limited: tokens are 256 random bits, which no rate of
guessing finds. A failure counts against its user name and source address
together, and more loosely against the source alone, so a flood under one name
or from one address slows only that pair, never the same user elsewhere or
another user next to it. Each key may fail `limit` times in a sliding `window`;
after that attempts under it are refused, unchecked (checking them would tell
a guesser which guess was right), until the oldest failure leaves the window.
An IPv6 source counts as its /64, the least a single host is given, so that
one attacker cannot take a fresh address per guess. State is per process (the
API is one). Memory is bounded: past MAX_KEYS keys,
those with no failure in the window go first, then the longest-known ones.
"""

import ipaddress
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
    """Failed logins per user name and source address together, and per source alone.

    With the defaults a guesser gets 10 tries per user per source in 5 minutes
    (120 an hour), and 100 per source across all user names (1,200 an hour).
    """

    def __init__(self, per_pair: int = 10, per_source: int = 100, window: float = 300.0) -> None:
        self._pairs = FailureLimiter(per_pair, window)
        self._sources = FailureLimiter(per_source, window)

    def retry_after(self, user: str, source: str) -> int:
        """Seconds until `user` may try a password from `source`; 0 when now."""
        network = _network(source)
        pair = self._pairs.retry_after(f"{network} {user}")
        return max(pair, self._sources.retry_after(network))

    def failed(self, user: str, source: str) -> None:
        network = _network(source)
        self._pairs.failed(f"{network} {user}")  # a network holds no space: read back one way
        self._sources.failed(network)


def _network(source: str) -> str:
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return source  # not an address (a Unix socket): itself
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:  # an IPv4 client of a dual-stack socket
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)
