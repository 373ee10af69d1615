"""How the registry is reached from outside: the certificates the ingress and the
registry's own listener serve with, made at start, and the Secrets that show them.

As on OpenShift, the ingress CA is Secret `router-ca` in openshift-ingress-operator
and the ingress's default certificate (*.<apps domain>, its chain after it) is Secret
`router-certs-default` in openshift-ingress; clients trust the routes with either's
tls.crt. The registry's own listener serves TLS with a certificate from the service
CA whenever it listens beyond loopback.
"""

import base64
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from moorage.platform.ingress import Exposure
from moorage.resources.objects import Object
from moorage.server.certificates import INGRESS, SERVICE, ensure_certificate, serving_hosts
from moorage.server.config import ServerConfig
from moorage.server.tls import ServingTls
from moorage.store.resources import Ref

SERVICE_NAMES = (
    "image-registry.openshift-image-registry.svc",
    "image-registry.openshift-image-registry.svc.cluster.local",
)


@dataclass(frozen=True)
class Prepared:
    exposure: Exposure
    registry_tls: ServingTls | None  # None: the registry listens on loopback, plain HTTP
    secrets: list[tuple[Ref, Object]]  # router-ca, router-certs-default
    made: list[str]  # what was made this time, to say so


def prepare(config: ServerConfig, root: Path) -> Prepared:
    ingress, made_ingress = ensure_certificate(root, INGRESS, [f"*.{config.apps_domain}"])
    hosts = [*serving_hosts(config.host), *SERVICE_NAMES]
    service, made_service = ensure_certificate(root, SERVICE, hosts)
    assert ingress.ca is not None and service.ca is not None
    chain = ingress.cert.read_bytes() + ingress.ca.read_bytes()
    exposure = Exposure(
        config.apps_domain,
        chain + ingress.key.read_bytes(),
        service.ca.read_text(),
        listening=config.ingress_port is not None,
    )
    secrets = [
        _tls_secret(
            "openshift-ingress-operator",
            "router-ca",
            ingress.ca.read_bytes(),
            ingress.ca.with_suffix(".key").read_bytes(),
        ),
        _tls_secret("openshift-ingress", "router-certs-default", chain, ingress.key.read_bytes()),
    ]
    made = [f"the ingress {what}" for what in made_ingress]
    made += [f"the service {what}" for what in made_service]
    registry_tls = None if _loopback(config.host) else service
    return Prepared(exposure, registry_tls, secrets, made)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _tls_secret(namespace: str, name: str, cert: bytes, key: bytes) -> tuple[Ref, Object]:
    data = {"tls.crt": base64.b64encode(cert).decode(), "tls.key": base64.b64encode(key).decode()}
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace},
        "type": "kubernetes.io/tls",
        "data": data,
    }
    return Ref("", "secrets", namespace, name), secret
