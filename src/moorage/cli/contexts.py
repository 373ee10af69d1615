"""Naming and switching contexts as `oc` does: `<namespace>/<cluster>/<user>`.

A user entry is `<user>/<cluster>` (`kube:admin/127-0-0-1:6443`) and holds that
user's token for that cluster, so kubectl reads the same credentials.
"""

from urllib.parse import urlsplit

from moorage.cli.kubeconfig import KubeConfig

ANONYMOUS = "anonymous"


def cluster_name(server: str) -> str:
    """`http://api.example.com:6443` -> `api-example-com:6443`, as oc names clusters."""
    parts = urlsplit(server)
    host = (parts.hostname or server).replace(".", "-")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{host}:{port}"


def use(
    config: KubeConfig,
    server: str,
    namespace: str,
    user: str = ANONYMOUS,
    token: str | None = None,
) -> str:
    """Create or update the cluster, user and context for `server`, and make it current."""
    cluster = cluster_name(server)
    user_name = f"{user}/{cluster}"
    config.clusters.setdefault(cluster, {})["server"] = server
    entry = config.users.setdefault(user_name, {})
    if token:
        entry["token"] = token
    name = f"{namespace}/{cluster}/{user}"
    config.contexts[name] = {"cluster": cluster, "namespace": namespace, "user": user_name}
    config.current_context = name
    return name


def switch_namespace(config: KubeConfig, server: str, namespace: str) -> str:
    """A context for `namespace` on the current context's cluster and user (as `oc project`)."""
    current = config.context()
    if current.get("cluster") and config.server() == server:
        cluster = current["cluster"]
        user_name = current.get("user", f"{ANONYMOUS}/{cluster}")
        name = f"{namespace}/{cluster}/{user_of(user_name)}"
        config.contexts[name] = {"cluster": cluster, "namespace": namespace, "user": user_name}
        config.current_context = name
        return name
    return use(config, server, namespace)


def user_of(user_entry: str) -> str:
    """`kube:admin/127-0-0-1:6443` -> `kube:admin`."""
    return user_entry.rpartition("/")[0] or user_entry


def token_for(config: KubeConfig, server: str) -> str | None:
    """A token the kubeconfig holds for `server`: the current context's first."""
    names = [config.current_context, *config.contexts]
    for name in names:
        context = config.contexts.get(name, {})
        cluster = config.clusters.get(context.get("cluster", ""), {})
        token = config.users.get(context.get("user", ""), {}).get("token")
        if token and cluster.get("server", "").rstrip("/") == server:
            return token
    return None


def forget_token(config: KubeConfig, token: str) -> None:
    """Remove `token` from every user entry that holds it (oc logout's cleanup)."""
    for entry in config.users.values():
        if entry.get("token") == token:
            del entry["token"]
