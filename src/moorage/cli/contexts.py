"""Naming and switching contexts as `oc` does: `<namespace>/<cluster>/<user>`."""

from urllib.parse import urlsplit

from moorage.cli.kubeconfig import KubeConfig

ANONYMOUS = "anonymous"


def cluster_name(server: str) -> str:
    """`http://api.example.com:6443` -> `api-example-com:6443`, as oc names clusters."""
    parts = urlsplit(server)
    host = (parts.hostname or server).replace(".", "-")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{host}:{port}"


def use(config: KubeConfig, server: str, namespace: str, user: str = ANONYMOUS) -> str:
    """Create or update the cluster, user and context for `server`, and make it current."""
    cluster = cluster_name(server)
    user_name = f"{user}/{cluster}"
    config.clusters.setdefault(cluster, {})["server"] = server
    config.users.setdefault(user_name, {})
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
        user = user_name.split("/", 1)[0]
        name = f"{namespace}/{cluster}/{user}"
        config.contexts[name] = {"cluster": cluster, "namespace": namespace, "user": user_name}
        config.current_context = name
        return name
    return use(config, server, namespace)
