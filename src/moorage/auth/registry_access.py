"""What a principal may do to a repository, in RBAC's terms (as OpenShift's registry asks).

Repository `<project>/<stream>` belongs to the project (namespace) `<project>`:

    pull     get `imagestreams/layers` (image.openshift.io) in the project
    push     update `imagestreams/layers` in the project, and create `imagestreams`
             there when the stream does not exist yet
    delete   delete `images`, cluster-wide
    catalog  list `imagestreams`, cluster-wide, to see every repository; otherwise
             the repositories of the projects the principal may pull from
    metrics  get `registry/metrics`, cluster-wide (or the metrics secret, which the
             metrics endpoint checks itself)

A name without a project (no `/`) is decided cluster-wide: only cluster bindings grant it.
"""

from dataclasses import dataclass

from moorage.auth.policy import StoredPolicy
from moorage.auth.principal import Principal
from moorage.auth.rbac import Attributes, Policy
from moorage.content.names import check_name, split_repository
from moorage.store.resources import Ref, ResourceStore

PULL, PUSH, DELETE = "pull", "push", "delete"
ACTIONS = (PULL, PUSH, DELETE)
ALL = "*"
REPOSITORY, REGISTRY, CATALOG = "repository", "registry", "catalog"
IMAGE = "image.openshift.io"
MAX_SCOPES = 64


@dataclass(frozen=True, slots=True)
class Scope:
    """What a token request asks for: `repository:<name>:<actions>` or `registry:catalog:*`."""

    type: str
    name: str
    actions: tuple[str, ...]


def parse_scope(text: str) -> Scope | None:
    """A scope in Docker's grammar; None for types this registry has nothing for.

    Repository names are checked against the name grammar (NameInvalid).
    """
    type_, _, rest = text.partition(":")
    name, _, actions = rest.rpartition(":")
    wanted = tuple(dict.fromkeys(a for a in actions.split(",") if a))
    if type_ == REPOSITORY:
        check_name(name)
        expanded = ACTIONS if ALL in wanted else wanted
        return Scope(REPOSITORY, name, tuple(a for a in expanded if a in ACTIONS))
    if type_ == REGISTRY and name == CATALOG:
        return Scope(REGISTRY, CATALOG, (ALL,) if ALL in wanted else ())
    return None


def project_of(repository: str) -> tuple[str, str]:
    """(project, stream) of a repository; ("", name) when it names no project, so that only
    cluster-wide bindings decide it."""
    return split_repository(repository) or ("", repository)


def _layers(principal: Principal, verb: str, repository: str) -> Attributes:
    project, stream = project_of(repository)
    return Attributes(
        principal.name,
        principal.groups,
        verb,
        IMAGE,
        "imagestreams",
        subresource="layers",
        namespace=project,
        name=stream,
    )


class RegistryAccess:
    def __init__(self, policy: StoredPolicy, store: ResourceStore) -> None:
        self._policy = policy
        self._store = store

    async def decisions(self) -> "Decisions":
        """Decisions against the policy as of now: one indexed read, for one request."""
        return Decisions(await self._policy.fresh(), self._store)

    def current(self) -> "Decisions":
        """The same, for a thread (the API's backends): the policy read there, blocking."""
        return Decisions(self._policy.current(), self._store)


@dataclass(frozen=True, slots=True)
class Decisions:
    """Every decision of one request, against one reading of the policy (no SQL but one
    indexed existence check, for a push that may create its stream)."""

    policy: Policy
    store: ResourceStore

    def allows(self, principal: Principal, action: str, repository: str) -> bool:
        if action == PULL:
            return self.policy.authorize(_layers(principal, "get", repository)).allowed
        if action == PUSH:
            return self._may_push(principal, repository)
        if action == DELETE:
            return _cluster(self.policy, principal, "delete", "images")
        return False

    def granted(self, principal: Principal, scope: Scope) -> tuple[str, ...]:
        """The actions of `scope` the principal may take."""
        if scope.type == REGISTRY:
            return (ALL,) if self.lists_everything(principal) else ()
        return tuple(a for a in scope.actions if self.allows(principal, a, scope.name))

    def lists_everything(self, principal: Principal) -> bool:
        return _cluster(self.policy, principal, "list", "imagestreams")

    def reads_metrics(self, principal: Principal) -> bool:
        return _cluster(self.policy, principal, "get", "registry", "metrics")

    def pullable_projects(self, principal: Principal) -> frozenset[str] | None:
        """The projects the principal may pull from; None when it may pull from every
        repository. Asked of the namespaces that bind the principal only."""
        pulls = Attributes(
            principal.name, principal.groups, "get", IMAGE, "imagestreams", subresource="layers"
        )
        return self.policy.namespaces_allowing(pulls)

    def _may_push(self, principal: Principal, repository: str) -> bool:
        if not self.policy.authorize(_layers(principal, "update", repository)).allowed:
            return False
        project, stream = project_of(repository)
        if self.store.exists(Ref(IMAGE, "imagestreams", project, stream)):
            return True
        creates = Attributes(
            principal.name, principal.groups, "create", IMAGE, "imagestreams", namespace=project
        )
        return self.policy.authorize(creates).allowed


def _cluster(
    policy: Policy, principal: Principal, verb: str, resource: str, subresource: str = ""
) -> bool:
    attributes = Attributes(principal.name, principal.groups, verb, IMAGE, resource, subresource)
    return policy.authorize(attributes).allowed
