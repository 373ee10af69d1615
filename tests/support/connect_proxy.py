"""An HTTP proxy that takes every host name to loopback: how the tests reach a route by its
hostname without DNS or /etc/hosts (podman and skopeo honour HTTPS_PROXY), or a plain-HTTP
endpoint named by a host that resolves nowhere.

HTTPS goes through a CONNECT tunnel: the client still speaks TLS to the route's hostname,
so SNI and the certificate's name are checked as they would be with a real DNS record.
Plain HTTP (a request in absolute form) is passed on to the same port on loopback in
origin form (the path alone), as a forwarding proxy sends it: not every server takes the
absolute form (Azurite and gcp-storage-emulator do not).
"""

import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit

CHUNK = 1 << 16


class _Tunnel(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        head = [self.rfile.readline()]
        while head[-1] not in (b"\r\n", b"\n", b""):
            head.append(self.rfile.readline())
        request = head[0].decode("latin-1").split()
        if len(request) >= 2 and request[0] == "CONNECT":
            _, _, port = request[1].rpartition(":")
            self._forward(int(port), b"HTTP/1.1 200 Connection established\r\n\r\n", b"")
        elif len(request) == 3 and request[1].startswith("http://"):
            method, target, version = request
            url = urlsplit(target)
            origin = url.path + (f"?{url.query}" if url.query else "") or "/"
            line = f"{method} {origin} {version}\r\n".encode("latin-1")
            self._forward(url.port or 80, b"", line + b"".join(head[1:]))
        else:
            self.wfile.write(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")

    def _forward(self, port: int, answer: bytes, sent: bytes) -> None:
        """Connect to `port` on loopback, answer the client, send `sent` on, then copy both
        ways until each side ends."""
        with socket.create_connection(("127.0.0.1", port)) as upstream:
            self.wfile.write(answer)
            self.wfile.flush()
            upstream.sendall(sent)
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
    """A running proxy; yields its URL for HTTPS_PROXY (or HTTP_PROXY)."""
    server = _Server(("127.0.0.1", 0), _Tunnel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
