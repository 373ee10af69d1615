"""The ingress: TLS for each route's host, chosen by the name the client asks for (SNI).

The operator publishes one PEM file per admitted host (its certificate chain, then
its key) in <data-dir>/ingress/; every replica that serves the ingress port reads
them at handshake time, so a route added, changed or removed takes effect at the
next connection, without restarting anything. A name with no file ends the
handshake with `unrecognized_name`: a host no route admits is not served.
"""

import re
import ssl
from dataclasses import dataclass
from pathlib import Path

from moorage.server.certificates import write_atomically
from moorage.server.tls import server_context

DIRECTORY = "ingress"
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


@dataclass(frozen=True)
class Exposure:
    """What routes are made with: the apps domain, and the ingress's own certificate."""

    apps_domain: str
    default_pem: bytes  # the *.<apps domain> chain and key the ingress CA signed
    service_ca: str  # reencrypt: what the ingress trusts the registry's certificate by
    listening: bool = True  # False: no ingress port (--ingress-listen off), routes pend


def is_host(name: str) -> bool:
    return len(name) <= 253 and bool(_HOST.match(name))


class IngressCertificates:
    def __init__(self, data_root: Path) -> None:
        self.directory = data_root / DIRECTORY
        self._published: dict[str, bytes] | None = None  # as on disk, once read or written
        self._contexts: dict[str, tuple[tuple[int, int], ssl.SSLContext]] = {}

    # -- the operator's side ---------------------------------------------------------

    def publish(self, served: dict[str, bytes]) -> None:
        """Serve exactly these hosts from now on: host -> certificate chain and key (PEM)."""
        if served == self._published:
            return
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        for path in self.directory.glob("*.pem"):
            if path.stem not in served:
                path.unlink(missing_ok=True)
        for host, pem in served.items():
            path = self._path(host)
            if not path.exists() or path.read_bytes() != pem:
                write_atomically(path, pem, 0o600)
        self._published = dict(served)

    # -- each replica's side -----------------------------------------------------------

    def server_context(self) -> ssl.SSLContext:
        """A context that takes each connection's certificate from its host's file."""
        context = server_context()
        context.sni_callback = self._choose
        return context

    def _choose(self, connection: ssl.SSLObject, name: str | None, _: ssl.SSLContext) -> int | None:
        chosen = self._context(name.lower()) if name and is_host(name.lower()) else None
        if chosen is None:
            return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
        connection.context = chosen
        return None

    def _context(self, host: str) -> ssl.SSLContext | None:
        path = self._path(host)
        try:
            stat = path.stat()
        except OSError:
            self._contexts.pop(host, None)
            return None
        version = (stat.st_ino, stat.st_mtime_ns)
        cached = self._contexts.get(host)
        if cached is not None and cached[0] == version:
            return cached[1]
        context = server_context()
        try:
            context.load_cert_chain(path)
        except (OSError, ValueError):  # replaced or removed while read: the next one serves
            return None
        self._contexts[host] = (version, context)
        return context

    def _path(self, host: str) -> Path:
        return self.directory / f"{host}.pem"
