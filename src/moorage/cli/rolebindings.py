"""Binding a role to users, groups and service accounts, as `oc policy` does.

Adding finds a binding of the role in the namespace (ClusterRoleBindings for
the cluster) and adds the subjects to it, or creates one named after the role
(`view`, else `view-0`, `view-1`...). Removing takes the subjects out of every
binding of the role, deleting a binding left with none. Writes carry the
binding's resourceVersion; on a conflict (someone else changed it) the change
is worked out again from what is there now.
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TypeVar

from moorage.cli.client import ApiClient, ApiError
from moorage.cli.errors import CliError
from moorage.resources.objects import Object

T = TypeVar("T")
RBAC_GROUP = "rbac.authorization.k8s.io"
RBAC = f"/apis/{RBAC_GROUP}/v1"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
AUTO_UPDATE = f"{RBAC_GROUP}/autoupdate"
ATTEMPTS = 10  # each round of a race lets one writer through


@dataclass(frozen=True)
class Role:
    kind: str  # ClusterRole or Role
    name: str

    @property
    def ref(self) -> str:
        """`clusterrole.rbac.authorization.k8s.io/view`, as oc prints it."""
        return f"{self.kind.lower()}.{RBAC_GROUP}/{self.name}"

    def bound_by(self, binding: Object) -> bool:
        ref = binding.get("roleRef") or {}
        return (ref.get("kind"), ref.get("name")) == (self.kind, self.name)


@dataclass(frozen=True)
class Scope:
    """Where bindings live: a namespace's RoleBindings, or (None) ClusterRoleBindings."""

    namespace: str | None

    @property
    def kind(self) -> str:
        return "RoleBinding" if self.namespace else "ClusterRoleBinding"

    def path(self, name: str | None = None) -> str:
        if self.namespace:
            base = f"{RBAC}/namespaces/{self.namespace}/rolebindings"
        else:
            base = f"{RBAC}/clusterrolebindings"
        return f"{base}/{name}" if name else base


def user_subject(name: str) -> Object:
    """A User, or the ServiceAccount that `system:serviceaccount:NS:NAME` names."""
    if name.startswith(SERVICE_ACCOUNT_PREFIX):
        namespace, _, account = name[len(SERVICE_ACCOUNT_PREFIX) :].partition(":")
        if namespace and account and ":" not in account:
            return service_account_subject(namespace, account)
    return {"kind": "User", "apiGroup": RBAC_GROUP, "name": name}


def group_subject(name: str) -> Object:
    return {"kind": "Group", "apiGroup": RBAC_GROUP, "name": name}


def service_account_subject(namespace: str, name: str) -> Object:
    return {"kind": "ServiceAccount", "name": name, "namespace": namespace}


def _key(subject: Object) -> tuple[str, str, str]:
    return (subject.get("kind", ""), subject.get("name", ""), subject.get("namespace") or "")


def _merged(existing: list[Object], wanted: list[Object]) -> list[Object]:
    """`existing` and, after them, those of `wanted` not among them."""
    merged, seen = list(existing), {_key(s) for s in existing}
    for subject in wanted:
        if _key(subject) not in seen:
            seen.add(_key(subject))
            merged.append(subject)
    return merged


def _retrying(attempt: Callable[[], T], what: str) -> T:
    for _ in range(ATTEMPTS):
        try:
            return attempt()
        except ApiError as exc:
            if exc.status_code != 409:  # Conflict, or AlreadyExists for a create
                raise
    raise CliError(f"{what} kept changing while this command changed it: try again")


class Bindings:
    def __init__(self, client: ApiClient, scope: Scope) -> None:
        self.client, self.scope = client, scope

    def add(self, role: Role, subjects: list[Object], name: str | None = None) -> None:
        """Bind `role` to `subjects`: in the binding `name`, else in any binding of it."""
        _retrying(lambda: self._add_once(role, subjects, name), f"the {self.scope.kind}s")

    def remove(self, role: Role, subjects: list[Object], name: str | None = None) -> int:
        """Unbind `subjects` from `role`; how many bindings of a subject were removed."""
        if name:
            self._named(role, name, required=True)
            names = [name]
        else:
            names = [b["metadata"]["name"] for b in self._listed() if role.bound_by(b)]
        if not names:
            raise CliError(f'unable to locate any {self.scope.kind} for {role.kind} "{role.name}"')
        return sum(
            _retrying(partial(self._remove_once, n, subjects), f"{self.scope.kind} {n}")
            for n in names
        )

    def _add_once(self, role: Role, subjects: list[Object], name: str | None) -> None:
        listed = [] if name else self._listed()
        if name:
            binding = self._named(role, name)
        else:
            binding = _for_adding([b for b in listed if role.bound_by(b)], subjects)
        if binding is None:
            self.client.create(self.scope.path(), self._new(role, subjects, name, listed))
            return
        existing = binding.get("subjects") or []
        wanted = _merged(existing, subjects)
        if len(wanted) != len(existing):
            binding["subjects"] = wanted
            self.client.replace(self.scope.path(binding["metadata"]["name"]), binding)

    def _remove_once(self, name: str, subjects: list[Object]) -> int:
        path = self.scope.path(name)
        binding = self.client.get(path)
        unwanted = {_key(s) for s in subjects}
        existing = binding.get("subjects") or []
        remaining = [s for s in existing if _key(s) not in unwanted]
        removed = len(existing) - len(remaining)
        annotations = binding.get("metadata", {}).get("annotations") or {}
        if removed and (remaining or annotations.get(AUTO_UPDATE) == "false"):
            self.client.replace(path, {**binding, "subjects": remaining})
        elif removed:
            self.client.delete(path)
        return removed

    def _named(self, role: Role, name: str, required: bool = False) -> Object | None:
        """The binding `name`, which must bind `role` if it exists."""
        try:
            binding = self.client.get(self.scope.path(name))
        except ApiError as exc:
            if exc.status_code == 404 and not required:
                return None
            raise
        if not role.bound_by(binding):
            ref = binding.get("roleRef") or {}
            raise CliError(
                f'{self.scope.kind.lower()} {name} binds {ref.get("kind")} "{ref.get("name")}", '
                f'not {role.kind} "{role.name}"'
            )
        return binding

    def _listed(self) -> list[Object]:
        items = self.client.get(self.scope.path()).get("items") or []
        return sorted(items, key=lambda b: b["metadata"]["name"])

    def _new(
        self, role: Role, subjects: list[Object], name: str | None, listed: list[Object]
    ) -> Object:
        taken = {b["metadata"]["name"] for b in listed}
        candidates = itertools.chain([role.name], (f"{role.name}-{i}" for i in itertools.count()))
        chosen = name or next(c for c in candidates if c not in taken)
        metadata: Object = {"name": chosen}
        if self.scope.namespace:
            metadata["namespace"] = self.scope.namespace
        return {
            "apiVersion": f"{RBAC_GROUP}/v1",
            "kind": self.scope.kind,
            "metadata": metadata,
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": role.kind, "name": role.name},
            "subjects": _merged([], subjects),
        }


def _for_adding(bindings: list[Object], subjects: list[Object]) -> Object | None:
    """A binding that holds every subject already, else the first binding of the role."""
    wanted = {_key(s) for s in subjects}
    for binding in bindings:
        if wanted <= {_key(s) for s in binding.get("subjects") or []}:
            return binding
    return bindings[0] if bindings else None
