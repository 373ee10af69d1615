"""An HTTP CONNECT proxy that takes every host name to loopback: how the tests reach a
route by its hostname without DNS or /etc/hosts (podman and skopeo honour HTTPS_PROXY).

The client still speaks TLS to the route's hostname through the tunnel, so SNI and the
certificate's name are checked as they would be with a real DNS record.
"""

import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

CHUNK = 1 << 16


class _Tunnel(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        request = self.rfile.readline().decode("latin-1").split()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # the request's headers: nothing in them matters here
        if len(request) < 2 or request[0] != "CONNECT":
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
            return
        _, _, port = request[1].rpartition(":")
        with socket.create_connection(("127.0.0.1", int(port))) as upstream:
            self.wfile.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            self.wfile.flush()
            back = threading.Thread(target=_pipe, args=(upstream.recv, self.connection))
            back.start()
            _pipe(self.rfile.read1, upstream)  # what the client sent after its headers first
            back.join()

    def finish(self) -> None:
        with suppress(OSError):
            super().finish()


def _pipe(read: Callable[[int], bytes], target: socket.socket) -> None:
    """Copy until the source ends, then end the target's writing side."""
    try:
        while chunk := read(CHUNK):
            target.sendall(chunk)
        target.shutdown(socket.SHUT_WR)
    except OSError:
        pass


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@contextmanager
def loopback_proxy() -> Iterator[str]:
    """A running proxy; yields its URL for HTTPS_PROXY."""
    server = _Server(("127.0.0.1", 0), _Tunnel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
