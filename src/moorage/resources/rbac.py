"""rbac.authorization.k8s.io/v1: ClusterRole, Role, ClusterRoleBinding, RoleBinding."""

import re
from typing import Literal

from pydantic import Field

from moorage.resources.base import Open, Strict
from moorage.resources.core import TopLevel
from moorage.resources.groups import RBAC
from moorage.resources.kinds import Kind
from moorage.resources.names import Invalid
from moorage.resources.objects import Object

GROUP = RBAC
# RBAC names are path segments, not DNS names: "system:image-puller" is valid.
RBAC_NAME = re.compile(r"^(?!\.\.?$)[^/%]{1,253}$")


class PolicyRule(Strict):
    verbs: list[str]
    api_groups: list[str] | None = None
    resources: list[str] | None = None
    resource_names: list[str] | None = None
    # to_camel would spell it "nonResourceUrls"
    non_resource_urls: list[str] | None = Field(default=None, alias="nonResourceURLs")


class RoleRef(Strict):
    api_group: Literal["rbac.authorization.k8s.io"]
    kind: Literal["ClusterRole", "Role"]
    name: str


class Subject(Strict):
    kind: Literal["User", "Group", "ServiceAccount"]
    name: str
    namespace: str | None = None
    api_group: str | None = None


class ClusterRole(TopLevel):
    rules: list[PolicyRule] | None = None
    aggregation_rule: Open | None = None


class Role(TopLevel):
    rules: list[PolicyRule] | None = None


class ClusterRoleBinding(TopLevel):
    role_ref: RoleRef
    subjects: list[Subject]


class RoleBinding(TopLevel):
    role_ref: RoleRef
    subjects: list[Subject]


def _invalid(obj: Object, field: str, message: str, reason: str = "FieldValueInvalid") -> Invalid:
    cause = {"reason": reason, "message": message, "field": field}
    return Invalid(obj["kind"], obj["metadata"].get("name", ""), [cause])


def _check_rules(obj: Object) -> Object:
    """A rule names resources (with apiGroups) or, in a ClusterRole only, non-resource URLs."""
    for index, rule in enumerate(obj.get("rules", [])):
        field = f"rules[{index}]"
        urls = rule.get("nonResourceURLs")
        if urls and obj["kind"] == "Role":
            raise _invalid(obj, f"{field}.nonResourceURLs", "namespaced rules cannot apply to URLs")
        if urls and rule.get("resources"):
            raise _invalid(obj, field, "rules cannot apply to both URLs and resources")
        if not urls and "apiGroups" not in rule:
            message = "resource rules must supply at least one api group"
            raise _invalid(obj, f"{field}.apiGroups", message, "FieldValueRequired")
    return obj


def _check_binding(obj: Object) -> Object:
    """Defaults each subject's apiGroup; a service account outside a namespace names one."""
    if obj["kind"] == "ClusterRoleBinding" and obj["roleRef"]["kind"] != "ClusterRole":
        raise _invalid(obj, "roleRef.kind", "a ClusterRoleBinding can only reference a ClusterRole")
    for index, subject in enumerate(obj["subjects"]):
        if subject["kind"] == "ServiceAccount":
            subject.setdefault("apiGroup", "")
            if obj["kind"] == "ClusterRoleBinding" and not subject.get("namespace"):
                field = f"subjects[{index}].namespace"
                raise _invalid(obj, field, "required for a ServiceAccount", "FieldValueRequired")
        else:
            subject.setdefault("apiGroup", GROUP)
    return obj


def _kind(kind: str, plural: str, namespaced: bool, model: type[TopLevel]) -> Kind:
    rules = kind in ("ClusterRole", "Role")
    return Kind(
        GROUP,
        "v1",
        kind,
        plural,
        kind.lower(),
        namespaced,
        model,
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
        name_pattern=RBAC_NAME,
        normalize=_check_rules if rules else _check_binding,
    )


KINDS = [
    _kind("ClusterRole", "clusterroles", False, ClusterRole),
    _kind("ClusterRoleBinding", "clusterrolebindings", False, ClusterRoleBinding),
    _kind("Role", "roles", True, Role),
    _kind("RoleBinding", "rolebindings", True, RoleBinding),
]
