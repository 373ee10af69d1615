"""Who a request comes from: a user name, its uid, and the groups it belongs to."""

from dataclasses import dataclass

AUTHENTICATED = "system:authenticated"
AUTHENTICATED_OAUTH = "system:authenticated:oauth"
UNAUTHENTICATED = "system:unauthenticated"
ANONYMOUS_USER = "system:anonymous"
CLUSTER_ADMINS = "system:cluster-admins"
SERVICE_ACCOUNTS = "system:serviceaccounts"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
KUBE_ADMIN = "kube:admin"


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""

    @property
    def anonymous(self) -> bool:
        return self.name == ANONYMOUS_USER

    @property
    def service_account(self) -> tuple[str, str] | None:
        """(namespace, name) when this is a service account."""
        if not self.name.startswith(SERVICE_ACCOUNT_PREFIX):
            return None
        namespace, _, name = self.name[len(SERVICE_ACCOUNT_PREFIX) :].partition(":")
        return (namespace, name) if namespace and name else None


ANONYMOUS = Principal(ANONYMOUS_USER, (UNAUTHENTICATED,))


def service_account(namespace: str, name: str, uid: str = "") -> Principal:
    """The principal a service account's token authenticates as."""
    groups = (SERVICE_ACCOUNTS, f"{SERVICE_ACCOUNTS}:{namespace}", AUTHENTICATED)
    return Principal(f"{SERVICE_ACCOUNT_PREFIX}{namespace}:{name}", groups, uid)
