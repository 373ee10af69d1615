"""Who the API takes the caller for: the User object `~` names."""

from moorage.cli.client import ApiClient

CURRENT_USER = "/apis/user.openshift.io/v1/users/~"


def current_user(client: ApiClient) -> str:
    """The caller's user name (`kube:admin`, `alice`, `system:serviceaccount:ns:name`)."""
    return str(client.get(CURRENT_USER)["metadata"]["name"])
