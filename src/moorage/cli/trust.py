"""Trusting the API server's certificate as kubectl does: a CA of its own, or no checks.

A kubeconfig cluster entry names the CA that signed its server's certificate with
`certificate-authority-data` (base64 PEM: what `moorage login --certificate-authority`
stores, as oc does) or `certificate-authority` (a file, relative to the kubeconfig),
or turns checking off with `insecure-skip-tls-verify`. The --certificate-authority
and --insecure-skip-tls-verify options override the entry. A CA, once named, is the
only one trusted, as in client-go; without one, the system's CAs are.
"""

import argparse
import base64
import binascii
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from moorage.cli.errors import CliError

CA_DATA = "certificate-authority-data"
CA_FILE = "certificate-authority"
INSECURE = "insecure-skip-tls-verify"
HINT = "use --certificate-authority or --insecure-skip-tls-verify"


@dataclass(frozen=True)
class Trust:
    """How to check the server's certificate: against `ca_pem`, the system's CAs, or not."""

    ca_pem: str | None = None
    insecure: bool = False
    source: str = ""  # where the CA came from, for messages

    @classmethod
    def read(cls, path: Path) -> "Trust":
        try:
            return cls(path.read_text(), source=str(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read the certificate authority {path}: {exc}") from None

    @classmethod
    def of_cluster(cls, cluster: dict[str, Any], base: Path) -> "Trust":
        """What a kubeconfig cluster entry says; relative CA files are under `base`."""
        if cluster.get(INSECURE):
            return cls(insecure=True)
        if cluster.get(CA_DATA):
            try:
                pem = base64.b64decode(str(cluster[CA_DATA]), validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                raise CliError(f"the kubeconfig's {CA_DATA} is not base64 PEM") from None
            return cls(pem, source=f"the kubeconfig's {CA_DATA}")
        if cluster.get(CA_FILE):
            return cls.read(base / Path(str(cluster[CA_FILE])).expanduser())
        return cls()

    def verify(self) -> ssl.SSLContext | bool:
        """httpx's `verify`: a context trusting only the CA, True (system CAs), or False."""
        if self.insecure:
            return False
        if self.ca_pem is None:
            return True
        try:
            return ssl.create_default_context(cadata=self.ca_pem)
        except (ssl.SSLError, ValueError):
            raise CliError(f"{self.source} holds no PEM certificate") from None

    def store(self, cluster: dict[str, Any]) -> None:
        """Write this trust into a kubeconfig cluster entry, replacing what it said."""
        for key in (CA_DATA, CA_FILE, INSECURE):
            cluster.pop(key, None)
        if self.insecure:
            cluster[INSECURE] = True
        elif self.ca_pem is not None:
            cluster[CA_DATA] = base64.b64encode(self.ca_pem.encode()).decode()


def flagged(args: argparse.Namespace) -> Trust | None:
    """The trust --certificate-authority or --insecure-skip-tls-verify asks for, if either."""
    insecure = getattr(args, "insecure_skip_tls_verify", False)
    ca_file = getattr(args, "certificate_authority", None)
    if insecure and ca_file:
        raise CliError("--certificate-authority and --insecure-skip-tls-verify exclude each other")
    if insecure:
        return Trust(insecure=True)
    return Trust.read(Path(ca_file).expanduser()) if ca_file else None


def trust_for(args: argparse.Namespace, cluster: dict[str, Any], base: Path) -> Trust:
    """The options' trust, else the cluster entry's."""
    return flagged(args) or Trust.of_cluster(cluster, base)


def tls_failure(exc: BaseException, server: str) -> str | None:
    """The one line for a connection that TLS refused, if that is what `exc` came of."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or cause.reason or str(cause)
            return f"the server's certificate is not trusted: {reason} ({HINT})"
        if isinstance(cause, ssl.SSLError):
            reason = cause.reason or str(cause)
            return f"TLS with the server at {server} failed: {reason} (does it serve https?)"
        cause = cause.__cause__ or cause.__context__
    return None
