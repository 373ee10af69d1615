"""Principals just looked up (by API token, or by the name a registry token carries), remembered
briefly so that a burst of requests costs one read.

Only successes are remembered, for `lifetime` seconds: a deleted or expired token, or a
user who lost a group, keeps its standing at most that long. Past `max_size` keys the memory
starts over.
"""

import time
from collections.abc import Callable

from moorage.auth.principal import Principal

REMEMBER = 2.0
MAX_REMEMBERED = 1024


class RememberedPrincipals:
    def __init__(
        self,
        lifetime: float = REMEMBER,
        max_size: int = MAX_REMEMBERED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lifetime, self._max_size, self._clock = lifetime, max_size, clock
        self._remembered: dict[str, tuple[float, Principal]] = {}

    def get(self, key: str) -> Principal | None:
        remembered = self._remembered.get(key)
        if remembered is None or self._clock() >= remembered[0]:
            return None
        return remembered[1]

    def remember(self, key: str, principal: Principal) -> None:
        if len(self._remembered) >= self._max_size:
            self._remembered.clear()
        self._remembered[key] = (self._clock() + self._lifetime, principal)
