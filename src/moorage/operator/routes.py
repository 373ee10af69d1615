"""The registry's routes: `default-route` and each of spec.routes[], written as Route
objects in openshift-image-registry, and the certificate the ingress serves each host with.

A route whose secret is missing or holds no usable TLS pair is written refused (not
admitted) and reported; the others are served as before. The routes the operator
writes carry an annotation, so that it removes only its own.
"""

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from moorage.operator.first_start import NAMESPACE
from moorage.platform.ingress import Exposure, IngressCertificates
from moorage.resources.catalogue import catalogue
from moorage.resources.objects import Object
from moorage.resources.route import GROUP
from moorage.store.resources import Ref, ResourceStore, Transaction

DEFAULT_ROUTE = "default-route"
SERVICE = "image-registry"
OWNED = "imageregistry.operator.openshift.io/route"
ROUTE_KIND = catalogue().find(GROUP, "v1", "routes")


@dataclass(frozen=True)
class Wanted:
    field: str  # where in the Config it comes from, for messages
    name: str
    host: str
    secret: str | None


@dataclass(frozen=True)
class Checked:
    route: Object
    pem: bytes | None  # what the ingress serves the host with; None: refused
    problem: str | None


class Routes:
    def __init__(self, store: ResourceStore, exposure: Exposure, ingress: IngressCertificates):
        self._store = store
        self._exposure = exposure
        self._ingress = ingress

    def reconcile(self, spec: Object | None) -> list[str]:
        """Make the routes `spec` asks for (None: none, the registry is removed); returns
        what is wrong with them, each saying what to fix. Writes only what changed."""
        wanted = self._wanted(spec) if spec is not None else []
        with self._store.reading() as tx:
            checked = [self._check(tx, route) for route in wanted]
            changes = _changes(tx, [c.route for c in checked])
        if changes:
            with self._store.transaction() as tx:
                for change in changes:
                    change(tx)
        self._ingress.publish(
            {c.route["spec"]["host"]: c.pem for c in checked if c.pem is not None}
        )
        return [c.problem for c in checked if c.problem is not None]

    def hosts(self, spec: Object) -> list[str]:
        """The hosts the routes `spec` asks for, the default route's first."""
        return [wanted.host for wanted in self._wanted(spec)]

    def _wanted(self, spec: Object) -> list[Wanted]:
        domain = self._exposure.apps_domain
        routes = []
        if spec.get("defaultRoute"):
            host = f"{DEFAULT_ROUTE}-{NAMESPACE}.{domain}"
            routes.append(Wanted("spec.defaultRoute", DEFAULT_ROUTE, host, None))
        for index, route in enumerate(spec.get("routes") or []):
            name = route["name"]
            host = route.get("hostname") or f"{name}-{NAMESPACE}.{domain}"
            secret = route.get("secretName") or None
            routes.append(Wanted(f"spec.routes[{index}] ({name})", name, host, secret))
        return routes

    def _check(self, tx: Transaction, wanted: Wanted) -> Checked:
        tls: Object = {"termination": "reencrypt"}
        pem, problem = self._exposure.default_pem, None
        if wanted.secret is not None:
            secret = tx.get(Ref("", "secrets", NAMESPACE, wanted.secret))
            data, problem = _tls_pair(wanted.secret, secret)
            if problem is None:
                tls = {**tls, **_route_tls(data)}
                pem = data["tls.crt"] + b"\n" + data["tls.key"]
        tls["destinationCACertificate"] = self._exposure.service_ca
        route = _route(wanted, tls, problem, self._exposure.listening)
        if problem is not None:
            return Checked(route, None, f"{wanted.field}: {problem}")
        return Checked(route, pem, None)


Change = Callable[[Transaction], object]


def _changes(tx: Transaction, routes: list[Object]) -> list[Change]:
    """What makes the stored routes these: the operator's others deleted, these written."""
    stored = {r["metadata"]["name"]: r for r in tx.list(GROUP, "routes", NAMESPACE).items}
    wanted = {r["metadata"]["name"]: r for r in routes}
    changes: list[Change] = []
    for name, route in stored.items():
        if OWNED in (route["metadata"].get("annotations") or {}) and name not in wanted:
            changes.append(partial(Transaction.delete, ref=_ref(name)))
    for name, route in wanted.items():
        current = stored.get(name)
        if current is None:
            changes.append(partial(Transaction.create, ref=_ref(name), obj=route))
        elif any(current.get(k) != route.get(k) for k in ("spec", "status")):
            updated = {**current, "spec": route["spec"], "status": route["status"]}
            changes.append(partial(Transaction.update, ref=_ref(name), obj=updated))
    return changes


def _ref(name: str) -> Ref:
    return Ref(GROUP, "routes", NAMESPACE, name)


def _route(wanted: Wanted, tls: Object, refused: str | None, listening: bool) -> Object:
    """The Route; with no ingress port, admitted by no router (oc shows it Pending)."""
    admitted = {"type": "Admitted", "status": "True"}
    if refused is not None:
        admitted = {
            "type": "Admitted",
            "status": "False",
            "reason": "ExtendedValidationFailed",
            "message": refused,
        }
    route = {
        "apiVersion": f"{GROUP}/v1",
        "kind": "Route",
        "metadata": {
            "name": wanted.name,
            "namespace": NAMESPACE,
            "annotations": {OWNED: "true"},
        },
        "spec": {
            "host": wanted.host,
            "to": {"kind": "Service", "name": SERVICE, "weight": 100},
            "port": {"targetPort": "5000-tcp"},
            "tls": tls,
            "wildcardPolicy": "None",
        },
        "status": {
            "ingress": [
                {
                    "host": wanted.host,
                    "routerName": "default",
                    "wildcardPolicy": "None",
                    "conditions": [admitted],
                }
            ]
            if listening
            else []
        },
    }
    assert ROUTE_KIND is not None
    return ROUTE_KIND.validate(route)


def _tls_pair(name: str, secret: Object | None) -> tuple[dict[str, bytes], str | None]:
    """The secret's tls.crt, tls.key (and tls.cacrt), or what is wrong with it."""
    fix = f"moorage create secret tls {name} --cert=FILE --key=FILE -n {NAMESPACE}"
    if secret is None:
        return {}, f'secret "{name}" not found in {NAMESPACE}; create it with {fix}'
    if secret.get("type") != "kubernetes.io/tls":
        kind = secret.get("type", "Opaque")
        return {}, f'secret "{name}" is of type {kind}, not kubernetes.io/tls; make it with {fix}'
    try:
        data = {k: base64.b64decode(v) for k, v in (secret.get("data") or {}).items()}
        certificates = x509.load_pem_x509_certificates(data["tls.crt"])
        key = serialization.load_pem_private_key(data["tls.key"], password=None)
    except (KeyError, ValueError, TypeError, binascii.Error):
        return (
            {},
            f'secret "{name}" holds no PEM certificate and unencrypted key in tls.crt and tls.key',
        )
    if key.public_key() != certificates[0].public_key():
        return {}, f'secret "{name}": tls.key is not the key of the certificate in tls.crt'
    return data, None


def _route_tls(data: dict[str, bytes]) -> Object:
    """What OpenShift's operator copies from a route's secret into the Route."""
    tls = {"certificate": data["tls.crt"].decode(), "key": data["tls.key"].decode()}
    if "tls.cacrt" in data:
        tls["caCertificate"] = data["tls.cacrt"].decode()
    return tls
