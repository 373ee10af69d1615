"""API tokens just authenticated, remembered briefly so that a burst of requests costs one read.

Only successes are remembered, for `lifetime` seconds: a deleted or expired token
keeps working at most that long. Past `max_size` tokens the memory starts over.
"""

import time
from collections.abc import Callable

from moorage.auth.principal import Principal

REMEMBER = 2.0
MAX_REMEMBERED = 1024


class RememberedTokens:
    def __init__(
        self,
        lifetime: float = REMEMBER,
        max_size: int = MAX_REMEMBERED,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lifetime, self._max_size, self._clock = lifetime, max_size, clock
        self._remembered: dict[str, tuple[float, Principal]] = {}

    def get(self, token: str) -> Principal | None:
        remembered = self._remembered.get(token)
        if remembered is None or self._clock() >= remembered[0]:
            return None
        return remembered[1]

    def remember(self, token: str, principal: Principal) -> None:
        if len(self._remembered) >= self._max_size:
            self._remembered.clear()
        self._remembered[token] = (self._clock() + self._lifetime, principal)
