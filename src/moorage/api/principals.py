"""Who the request in hand comes from, for the backends that answer per caller.

The authentication middleware sets it; backends run in threads started with
asyncio.to_thread, which carry the context with them.
"""

from contextvars import ContextVar

from moorage.auth.principal import ANONYMOUS, Principal

_CURRENT: ContextVar[Principal] = ContextVar("principal", default=ANONYMOUS)
_TOKEN: ContextVar[str] = ContextVar("token", default="")


def current() -> Principal:
    return _CURRENT.get()


def presented_token() -> str:
    """The access token the request authenticated with ("" when none)."""
    return _TOKEN.get()


def set_current(principal: Principal, token: str = "") -> None:
    _CURRENT.set(principal)
    _TOKEN.set(token)
