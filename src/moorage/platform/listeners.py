"""The registry's ports (its own, and the ingress's): each one listening socket, opened by
the platform, shared by the replicas.

Each replica accepting on its own SO_REUSEPORT socket would do as well until one stops:
closing a socket resets every connection still waiting in its accept queue, and a
rolling update would drop those. With one socket shared, a replica that stops only
stops accepting; what waits is taken by the others.
"""

import socket


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT leftovers
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


class SharedListeners:
    """Listening sockets by what they serve ("registry", "ingress"), opened and closed together."""

    def __init__(self, addresses: dict[str, tuple[str, int]]) -> None:
        self._addresses = addresses
        self._sockets: dict[str, socket.socket] = {}

    def open(self) -> dict[str, socket.socket]:
        if not self._sockets:
            self._sockets = {role: listening_socket(*a) for role, a in self._addresses.items()}
        return self._sockets

    def close(self) -> None:
        """Nothing serves the ports: connections are refused, not left waiting."""
        for sock in self._sockets.values():
            sock.close()
        self._sockets = {}
