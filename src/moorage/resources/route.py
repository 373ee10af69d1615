"""route.openshift.io/v1: Route, a hostname the cluster's ingress serves a service on.

Field names are OpenShift's (openshift/api route/v1), so `get route ... --template
'{{ .spec.host }}'` and manifests written for OpenShift work unchanged.
"""

from typing import Literal

from pydantic import Field

from moorage.resources.base import Open, Strict
from moorage.resources.core import TopLevel
from moorage.resources.kinds import Kind

GROUP = "route.openshift.io"


class Target(Strict):
    kind: Literal["Service"] = "Service"
    name: str
    weight: int | None = Field(default=None, ge=0, le=256)


class RoutePort(Strict):
    target_port: int | str


class TlsConfig(Strict):
    termination: Literal["edge", "passthrough", "reencrypt"]
    certificate: str | None = None
    key: str | None = None
    ca_certificate: str | None = None
    destination_ca_certificate: str | None = Field(default=None, alias="destinationCACertificate")
    insecure_edge_termination_policy: Literal["None", "Allow", "Redirect", ""] | None = None


class RouteSpec(Strict):
    host: str | None = None
    subdomain: str | None = None
    path: str | None = None
    to: Target
    alternate_backends: list[Target] | None = None
    port: RoutePort | None = None
    tls: TlsConfig | None = None
    wildcard_policy: Literal["None", "Subdomain"] = "None"


class Route(TopLevel):
    spec: RouteSpec
    status: Open | None = None


KINDS = [Kind(GROUP, "v1", "Route", "routes", "route", True, Route, subresources=("status",))]
