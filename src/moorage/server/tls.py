"""What the API serves TLS with, as every process that serves it needs to know."""

import ssl
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ServingTls:
    """A serving certificate (its chain after it) and key; `ca` is the private CA that
    signed them, or None when they are the user's own (--api-tls-cert, --api-tls-key)."""

    cert: Path
    key: Path
    ca: Path | None = None

    def server_context(self) -> ssl.SSLContext:
        context = server_context()
        context.load_cert_chain(self.cert, self.key)
        return context


def server_context() -> ssl.SSLContext:
    """TLS 1.2 or later, HTTP/1.1 offered by ALPN (aiohttp speaks no HTTP/2); no certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    return context
