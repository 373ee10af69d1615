"""The RBAC authorizer, with Kubernetes semantics, over objects in their wire form.

Pure: it is handed the roles and bindings (as stored, camelCase dicts) and
decides; reading them from the store, caching and HTTP are the caller's part.
Rules only ever grant: a request is allowed when any rule reachable from a
binding whose subjects include the caller matches it, and denied otherwise.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace

from moorage.auth.principal import (
    SERVICE_ACCOUNT_PREFIX,
)
from moorage.resources.objects import Object


@dataclass(frozen=True)
class Attributes:
    """One request as the authorizer sees it.

    `resource` empty means a non-resource request, whose `path` is then matched
    against nonResourceURLs. `namespace` empty means a cluster-scoped request
    (or one across all namespaces), which only ClusterRoleBindings can grant.
    """

    user: str
    groups: tuple[str, ...] = ()
    verb: str = "get"
    api_group: str = ""
    resource: str = ""
    subresource: str = ""
    namespace: str = ""
    name: str = ""
    path: str = ""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def authorize(
    attributes: Attributes,
    cluster_roles: Iterable[Object],
    roles: Iterable[Object],
    cluster_role_bindings: Iterable[Object],
    role_bindings: Iterable[Object],
) -> Decision:
    return Policy(cluster_roles, roles, cluster_role_bindings, role_bindings).authorize(attributes)


class Policy:
    """Roles and bindings indexed once, for many decisions."""

    def __init__(
        self,
        cluster_roles: Iterable[Object],
        roles: Iterable[Object],
        cluster_role_bindings: Iterable[Object],
        role_bindings: Iterable[Object],
    ) -> None:
        self._cluster_rules = {r["metadata"]["name"]: r.get("rules") or [] for r in cluster_roles}
        self._role_rules = {
            (r["metadata"].get("namespace", ""), r["metadata"]["name"]): r.get("rules") or []
            for r in roles
        }
        self._cluster_bindings = [
            b for b in cluster_role_bindings if b["roleRef"]["kind"] == "ClusterRole"
        ]
        self._bindings: dict[str, list[Object]] = {}
        self._namespaces_of: dict[tuple[str, str], set[str]] = {}  # subject -> namespaces
        for binding in role_bindings:
            namespace = binding["metadata"].get("namespace", "")
            self._bindings.setdefault(namespace, []).append(binding)
            for subject in binding.get("subjects") or ():
                self._namespaces_of.setdefault(_key(subject, namespace), set()).add(namespace)

    def authorize(self, attributes: Attributes) -> Decision:
        for binding in self._cluster_bindings:
            if _binds(binding, attributes, "") and self._grants(binding, "", attributes):
                return _allowed(binding, attributes)
        if not attributes.namespace:
            return Decision(False, "no ClusterRoleBinding grants this")
        for binding in self._bindings.get(attributes.namespace, ()):
            if _binds(binding, attributes, attributes.namespace) and self._grants(
                binding, attributes.namespace, attributes
            ):
                return _allowed(binding, attributes)
        return Decision(False, f'no binding grants this in namespace "{attributes.namespace}"')

    def namespaces_allowing(self, attributes: Attributes) -> frozenset[str] | None:
        """The namespaces where `attributes` (its namespace aside) is allowed; None when a
        ClusterRoleBinding allows it everywhere. Only the namespaces binding the caller are
        asked, not every namespace."""
        if self.authorize(replace(attributes, namespace="")).allowed:
            return None
        keys = [("User", attributes.user), *(("Group", group) for group in attributes.groups)]
        bound = set().union(*(self._namespaces_of.get(key, ()) for key in keys))
        return frozenset(
            namespace
            for namespace in bound
            if namespace and self.authorize(replace(attributes, namespace=namespace)).allowed
        )

    def subjects_allowed(self, attributes: Attributes) -> tuple[list[str], list[str]]:
        """Users and groups that `attributes` (its user and groups ignored) is allowed to."""
        users: set[str] = set()
        groups: set[str] = set()
        candidates = [(b, "") for b in self._cluster_bindings]
        if attributes.namespace:
            namespace = attributes.namespace
            candidates += [(b, namespace) for b in self._bindings.get(namespace, ())]
        for binding, namespace in candidates:
            if not self._grants(binding, namespace, attributes):
                continue
            for subject in binding.get("subjects") or ():
                if subject["kind"] == "Group":
                    groups.add(subject["name"])
                elif subject["kind"] == "User":
                    users.add(subject["name"])
                else:
                    sa_namespace = subject.get("namespace") or namespace
                    users.add(f"{SERVICE_ACCOUNT_PREFIX}{sa_namespace}:{subject['name']}")
        return sorted(users), sorted(groups)

    def _grants(self, binding: Object, namespace: str, attributes: Attributes) -> bool:
        ref = binding["roleRef"]
        if ref["kind"] == "ClusterRole":
            rules = self._cluster_rules.get(ref["name"], ())
        else:
            rules = self._role_rules.get((namespace, ref["name"]), ())
        return any(_allows(rule, attributes) for rule in rules)


def _allowed(binding: Object, attributes: Attributes) -> Decision:
    ref, meta = binding["roleRef"], binding["metadata"]
    where = f' in namespace "{meta["namespace"]}"' if meta.get("namespace") else ""
    return Decision(
        True,
        f'allowed by {binding.get("kind", "binding")} "{meta["name"]}"{where} '
        f'of {ref["kind"]} "{ref["name"]}" to "{attributes.user}"',
    )


def _binds(binding: Object, attributes: Attributes, namespace: str) -> bool:
    return any(_is_subject(s, attributes, namespace) for s in binding.get("subjects") or [])


def _key(subject: Object, namespace: str) -> tuple[str, str]:
    """A subject as ("User", name) or ("Group", name); a service account is the user it is."""
    if subject["kind"] == "ServiceAccount":
        sa_namespace = subject.get("namespace") or namespace
        return "User", f"{SERVICE_ACCOUNT_PREFIX}{sa_namespace}:{subject['name']}"
    return subject["kind"], subject["name"]


def _is_subject(subject: Object, attributes: Attributes, namespace: str) -> bool:
    """Whether the caller is this subject; a RoleBinding's service accounts default to its own
    namespace."""
    kind, name = subject["kind"], subject["name"]
    if kind == "User":
        return attributes.user == name
    if kind == "Group":
        return name in attributes.groups
    if kind == "ServiceAccount":
        sa_namespace = subject.get("namespace") or namespace
        return (
            bool(sa_namespace)
            and attributes.user == f"{SERVICE_ACCOUNT_PREFIX}{sa_namespace}:{name}"
        )
    return False


def _allows(rule: Object, attributes: Attributes) -> bool:
    if not _has(rule.get("verbs"), attributes.verb):
        return False
    if not attributes.resource:
        return _matches_url(rule.get("nonResourceURLs") or [], attributes.path)
    if not _has(rule.get("apiGroups"), attributes.api_group):
        return False
    if not _matches_resource(rule.get("resources") or [], attributes):
        return False
    names = rule.get("resourceNames") or []
    return not names or attributes.name in names


def _has(values: Iterable[str] | None, wanted: str) -> bool:
    return any(value in ("*", wanted) for value in values or ())


def _matches_resource(resources: Iterable[str], attributes: Attributes) -> bool:
    """ "*" is every resource and subresource; "*/scale" is the scale of any resource."""
    combined = attributes.resource
    if attributes.subresource:
        combined = f"{attributes.resource}/{attributes.subresource}"
    for resource in resources:
        if resource in ("*", combined):
            return True
        if attributes.subresource and resource == f"*/{attributes.subresource}":
            return True
    return False


def _matches_url(urls: Iterable[str], path: str) -> bool:
    """Exact paths, or prefixes written with a trailing "*"."""
    for url in urls:
        if url in ("*", path) or (url.endswith("*") and path.startswith(url[:-1])):
            return True
    return False
