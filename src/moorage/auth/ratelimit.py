"""Limits on failed password logins, so that a password cannot be guessed quickly.

Only passwords are limited: tokens are 256 random bits, which no rate of
guessing finds. A failure counts against its user name and source address
together, and more loosely against the source alone, so a flood under one name
or from one address slows only that pair, never the same user elsewhere or
another user next to it. Each key may fail `limit` times in a sliding `window`;
after that attempts under it are refused, unchecked (checking them would tell
a guesser which guess was right), until the oldest failure leaves the window.
An attempt counts as failed from before its password is checked, and is taken
back if it succeeds: parallel guesses cannot all be checked before any is counted.
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
from dataclasses import dataclass

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

    def charge(self, key: str) -> tuple[int, float]:
        """Count a failure under `key` now, unless it is at its limit.

        The seconds until one may be counted (0: this one was), and when it was counted.
        """
        now = self._clock()
        with self._lock:
            failures = self._recent(key, now)
            if failures is not None and len(failures) >= self.limit:
                return math.ceil(failures[0] + self.window - now), now
            if len(self._failures) >= self._max_keys:
                self._forget_stale(now)
            self._failures.setdefault(key, deque(maxlen=self.limit)).append(now)
        return 0, now

    def refund(self, key: str, at: float) -> None:
        """Take back the failure counted under `key` at `at`, if it is still counted."""
        with self._lock:
            failures = self._failures.get(key)
            if failures is not None and at in failures:
                failures.remove(at)

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

    def attempt(self, user: str, source: str) -> "Attempt":
        """`user` trying a password from `source`: refused, or counted failed until taken back."""
        network = _network(source)
        pair = f"{network} {user}"  # a network holds no space: read back one way
        wait, at = self._pairs.charge(pair)
        if wait:
            return Attempt(max(wait, self._sources.retry_after(network)))
        wait, source_at = self._sources.charge(network)
        if wait:
            self._pairs.refund(pair, at)
            return Attempt(wait)
        return Attempt(0, ((self._pairs, pair, at), (self._sources, network, source_at)))


@dataclass(frozen=True)
class Attempt:
    """A password attempt: refused for `wait` seconds, unchecked, or (wait 0) counted as failed."""

    wait: int
    charges: tuple[tuple[FailureLimiter, str, float], ...] = ()

    def take_back(self) -> None:
        """The attempt was no failure (its password was right, or never judged): uncount it."""
        for limiter, key, at in self.charges:
            limiter.refund(key, at)


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
