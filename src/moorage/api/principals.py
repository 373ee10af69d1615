"""Who the request in hand comes from, for the backends that answer per caller.

The authentication middleware sets it; backends run in threads started with
asyncio.to_thread, which carry the context with them.
"""

from contextvars import ContextVar

from moorage.auth.principal import ANONYMOUS, Principal

_CURRENT: ContextVar[Principal] = ContextVar("principal", default=ANONYMOUS)


def current() -> Principal:
    return _CURRENT.get()


def set_current(principal: Principal) -> None:
    _CURRENT.set(principal)
