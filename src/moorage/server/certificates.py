"""Private CAs and the serving certificates they sign, made once and kept.

    <data-dir>/tls/
        ca.crt            the API's CA clients trust (--certificate-authority); 10 years
        ca.key            its private key (0600)
        api.crt           the API's serving certificate, signed by the CA; 1 year
        api.key           its private key (0600)
        ingress-ca.crt    the cluster's ingress CA (router-ca), and its key
        router.crt        the ingress's default certificate, *.<apps domain>, and its key
        service-ca.crt    the service CA, and its key
        registry.crt      the registry's serving certificate when it listens beyond loopback

Keys are ECDSA P-256. Every start reuses what is there while it still serves:
the CA while it is valid and matches its key; the serving certificate while it
is valid for another RENEW_BEFORE, was issued by that CA and names every host
clients reach it by (loopback, the machine's hostname, the --api-listen host).
Otherwise the part that no longer serves is made anew. Files are replaced
atomically (temporary file, fsync, rename), so a crash leaves the old or the new.
"""

import datetime
import ipaddress
import os
import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from moorage.server.tls import ServingTls

TLS_DIR = "tls"
CA_VALIDITY = datetime.timedelta(days=3650)
SERVING_VALIDITY = datetime.timedelta(days=365)
RENEW_BEFORE = datetime.timedelta(days=30)
CLOCK_SKEW = datetime.timedelta(minutes=5)
LOOPBACK = ("127.0.0.1", "::1", "localhost")
# Listening on every address names no host a client could check.
WILDCARDS = ("", "0.0.0.0", "::")

Name = x509.DNSName | x509.IPAddress


@dataclass(frozen=True)
class Issued:
    """A certificate and its private key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def serving_hosts(listen_host: str) -> list[str]:
    """The names the serving certificate must hold: loopback, hostname, the listen host."""
    hosts = [*LOOPBACK, socket.gethostname()]
    if listen_host not in WILDCARDS:
        hosts.append(listen_host)
    return list(dict.fromkeys(host.lower() for host in hosts if host))


@dataclass(frozen=True)
class Signing:
    """Which CA signs which serving certificate: file stems under <data-dir>/tls, and names."""

    ca: str  # "ca" -> ca.crt, ca.key
    serving: str  # "api" -> api.crt, api.key
    signer: str  # the CA's common name, before "@<unix time>"
    serving_name: str  # the serving certificate's common name


API = Signing("ca", "api", "moorage-api-signer", "moorage-api")
INGRESS = Signing("ingress-ca", "router", "ingress-operator", "router-default")
SERVICE = Signing("service-ca", "registry", "openshift-service-serving-signer", "image-registry")


def ensure_api_certificate(root: Path, listen_host: str) -> tuple[ServingTls, list[str]]:
    return ensure_certificate(root, API, serving_hosts(listen_host))


def ensure_certificate(
    root: Path, signing: Signing, hosts: list[str]
) -> tuple[ServingTls, list[str]]:
    """The CA and serving certificate under `root/tls`, made or renewed as needed.

    Returns them and what was made this time ("CA", "serving certificate").
    """
    directory = root / TLS_DIR
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    ca_cert, ca_key = directory / f"{signing.ca}.crt", directory / f"{signing.ca}.key"
    serving_cert = directory / f"{signing.serving}.crt"
    tls = ServingTls(serving_cert, directory / f"{signing.serving}.key", ca_cert)
    now = _now()
    made = []
    ca = _load(ca_cert, ca_key)
    if ca is None or not _current(ca, now, datetime.timedelta(0)):
        ca = _new_ca(now, signing.signer)
        _save(ca, ca_cert, ca_key)
        made.append("CA")
    serving = _load(tls.cert, tls.key)
    if serving is None or not _still_serves(serving, ca, hosts, now):
        _save(_new_serving(ca, hosts, now, signing.serving_name), tls.cert, tls.key)
        made.append("serving certificate")
    return tls, made


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _load(cert_path: Path, key_path: Path) -> Issued | None:
    """The certificate and key at these paths; None if either is missing or unusable."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    return Issued(cert, key)


def _current(issued: Issued, now: datetime.datetime, margin: datetime.timedelta) -> bool:
    cert = issued.cert
    return cert.not_valid_before_utc <= now and now + margin < cert.not_valid_after_utc


def _still_serves(serving: Issued, ca: Issued, hosts: list[str], now: datetime.datetime) -> bool:
    if not _current(serving, now, RENEW_BEFORE):
        return False
    try:
        serving.cert.verify_directly_issued_by(ca.cert)
        names = serving.cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (InvalidSignature, ValueError, TypeError, x509.ExtensionNotFound):
        return False
    return {_name(host) for host in hosts} <= set(names.value)


def _name(host: str) -> Name:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    validity: tuple[datetime.datetime, datetime.datetime],
) -> x509.CertificateBuilder:
    not_before, not_after = validity
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
    )


def _common_name(name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])


def _new_ca(now: datetime.datetime, signer: str) -> Issued:
    """A self-signed CA that signs serving certificates and nothing below them."""
    key = _new_key()
    name = _common_name(f"{signer}@{int(now.timestamp())}")
    cert = (
        _builder(name, name, key, (now - CLOCK_SKEW, now + CA_VALIDITY))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(signs=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Issued(cert, key)


def _new_serving(ca: Issued, hosts: list[str], now: datetime.datetime, name: str) -> Issued:
    """A server certificate for `hosts`, signed by `ca`, never valid past the CA."""
    key = _new_key()
    not_after = min(now + SERVING_VALIDITY, ca.cert.not_valid_after_utc)
    ca_key_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key())
    cert = (
        _builder(_common_name(name), ca.cert.subject, key, (now - CLOCK_SKEW, not_after))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signs=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(ca_key_id, critical=False)
        .add_extension(x509.SubjectAlternativeName([_name(h) for h in hosts]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    return Issued(cert, key)


def _key_usage(signs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=signs,
        crl_sign=signs,
        encipher_only=False,
        decipher_only=False,
    )


def _save(issued: Issued, cert_path: Path, key_path: Path) -> None:
    """The key first (0600), then the certificate (0644): a certificate never lacks its key."""
    key = issued.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_atomically(key_path, key, 0o600)
    write_atomically(cert_path, issued.cert.public_bytes(serialization.Encoding.PEM), 0o644)


def write_atomically(path: Path, data: bytes, mode: int) -> None:
    """Replace `path` with `data`: a temporary file (created 0600), fsync, rename, dir fsync."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), mode)
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
