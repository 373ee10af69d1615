"""The registry's port: one listening socket, opened by the platform, shared by the replicas.

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


class SharedListener:
    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)
        self._socket: socket.socket | None = None

    def open(self) -> socket.socket:
        if self._socket is None:
            self._socket = listening_socket(*self._address)
        return self._socket

    def close(self) -> None:
        """Nothing serves the port: connections are refused, not left waiting."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None
