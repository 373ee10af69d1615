"""What every new project starts with, as OpenShift's controllers and project template make it.

Service accounts `default`, `builder` and `deployer`; `builder` bound to
system:image-builder and `deployer` to system:deployer; every service account
of the project may pull from it (system:image-puller for the group
system:serviceaccounts:<project>); and, when the project was requested by
someone, that someone is its admin.
"""

from moorage.auth.bootstrap import RBAC_GROUP
from moorage.auth.principal import SERVICE_ACCOUNTS, Principal
from moorage.resources.objects import Object
from moorage.resources.project import REQUESTER
from moorage.store.resources import Ref

SERVICE_ACCOUNT_NAMES = ("default", "builder", "deployer")


def _service_account(namespace: str, name: str) -> tuple[Ref, Object]:
    obj: Object = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}}
    obj["metadata"]["namespace"] = namespace
    return Ref("", "serviceaccounts", namespace, name), obj


def role_binding(
    namespace: str, name: str, role: str, subjects: list[Object]
) -> tuple[Ref, Object]:
    obj = {
        "apiVersion": f"{RBAC_GROUP}/v1",
        "kind": "RoleBinding",
        "metadata": {"name": name, "namespace": namespace},
        "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": role},
        "subjects": subjects,
    }
    return Ref(RBAC_GROUP, "rolebindings", namespace, name), obj


def subject_of(principal_name: str) -> Object:
    """A binding subject for a user name (service accounts become ServiceAccount subjects)."""
    account = Principal(principal_name).service_account
    if account is not None:
        namespace, name = account
        return {"kind": "ServiceAccount", "name": name, "namespace": namespace}
    return {"kind": "User", "apiGroup": RBAC_GROUP, "name": principal_name}


def project_defaults(namespace: Object) -> list[tuple[Ref, Object]]:
    name = namespace["metadata"]["name"]
    made = [_service_account(name, account) for account in SERVICE_ACCOUNT_NAMES]
    made.append(
        role_binding(
            name,
            "system:image-pullers",
            "system:image-puller",
            [{"kind": "Group", "apiGroup": RBAC_GROUP, "name": f"{SERVICE_ACCOUNTS}:{name}"}],
        )
    )
    made.append(
        role_binding(
            name,
            "system:image-builders",
            "system:image-builder",
            [{"kind": "ServiceAccount", "name": "builder", "namespace": name}],
        )
    )
    made.append(
        role_binding(
            name,
            "system:deployers",
            "system:deployer",
            [{"kind": "ServiceAccount", "name": "deployer", "namespace": name}],
        )
    )
    requester = (namespace["metadata"].get("annotations") or {}).get(REQUESTER)
    if requester:
        made.append(role_binding(name, "admin", "admin", [subject_of(requester)]))
    return made
