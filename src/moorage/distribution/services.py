"""The name clients know this registry by: the Host they sent, when it is one.

Registry tokens are issued for that name and checked against it. A Host that is
not a host name or address gets the configured default. At most MAX_HOSTS
answers are remembered; other Hosts are checked on each request.
"""

import re

MAX_HOSTS = 64
_HOST = re.compile(r"[A-Za-z0-9.-]{1,253}(:\d{1,5})?|\[[0-9A-Fa-f:.]{2,45}\](:\d{1,5})?")


class ServiceNames:
    def __init__(self, default: str) -> None:
        self.default = default
        self._known: dict[str, str] = {}

    def of(self, host: str) -> str:
        known = self._known.get(host)
        if known is None:
            known = host if _HOST.fullmatch(host) else self.default
            if len(self._known) < MAX_HOSTS:
                self._known[host] = known
        return known
