"""Users, roles and tokens for the registry's authentication tests.

Users come from an htpasswd file given to `moorage serve --htpasswd-file`; they
log in through the API's OAuth flow (RunningServer.login) for an API token,
which is the password of the registry port. Roles are granted with
RoleBindings created through the API as kubeadmin.
"""

import base64
import json
from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.server import RunningServer

RBAC = "rbac.authorization.k8s.io"
UNAUTHENTICATED = {"kind": "Group", "apiGroup": RBAC, "name": "system:unauthenticated"}


def user(name: str) -> dict[str, str]:
    return {"kind": "User", "apiGroup": RBAC, "name": name}


def grant(server: RunningServer, project: str, role: str, subject: dict[str, str]) -> None:
    """Bind the cluster role `role` to `subject` in `project`."""
    _bind(server, f"namespaces/{project}/rolebindings", "RoleBinding", role, subject)


def grant_cluster(server: RunningServer, role: str, subject: dict[str, str]) -> None:
    """Bind the cluster role `role` to `subject` in every project (a ClusterRoleBinding)."""
    _bind(server, "clusterrolebindings", "ClusterRoleBinding", role, subject)


def _bind(
    server: RunningServer, collection: str, kind: str, role: str, subject: dict[str, str]
) -> None:
    binding = {
        "apiVersion": f"{RBAC}/v1",
        "kind": kind,
        "metadata": {"name": f"{role.replace(':', '-')}-{subject['name'].replace(':', '-')}"},
        "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
        "subjects": [subject],
    }
    with server.api_client() as api:
        made = api.post(f"/apis/{RBAC}/v1/{collection}", json=binding)
    assert made.status_code == 201, made.text


@dataclass(frozen=True)
class Account:
    """A user of the registry: its name and the API token it logged in for."""

    name: str
    token: str

    @property
    def basic(self) -> tuple[str, str]:
        return (self.name, self.token)

    @property
    def authorization(self) -> dict[str, str]:
        """The Basic Authorization header, for requests sent byte for byte."""
        encoded = base64.b64encode(f"{self.name}:{self.token}".encode()).decode()
        return {"Authorization": f"Basic {encoded}"}


def log_in(server: RunningServer, name: str, password: str) -> Account:
    return Account(name, server.login(name, password))


def registry_token(
    server: RunningServer, *scopes: str, auth: tuple[str, str] | None = None
) -> httpx.Response:
    """The token endpoint's answer for `scopes`, with Basic `auth` or anonymously."""
    params = [("service", server.address), *(("scope", scope) for scope in scopes)]
    return httpx.get(f"{server.url}/openshift/token", params=params, auth=auth, timeout=30)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def claims(jwt: str) -> dict[str, Any]:
    payload = jwt.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def challenge(response: httpx.Response) -> dict[str, str]:
    """The parameters of a `WWW-Authenticate: Bearer k="v",...` header."""
    header = response.headers["WWW-Authenticate"]
    scheme, _, rest = header.partition(" ")
    assert scheme == "Bearer", header
    params = {}
    for part in rest.split('",'):
        key, _, value = part.partition("=")
        params[key.strip()] = value.strip().strip('"')
    return params
