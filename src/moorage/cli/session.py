"""What a command works with: the kubeconfig, the server, the namespace, a client, discovery."""

import argparse
from functools import cached_property

from moorage.cli.client import ApiClient, Credentials, Endpoint
from moorage.cli.errors import CliError
from moorage.cli.kubeconfig import KubeConfig
from moorage.cli.resources import Discovery, ResourceType
from moorage.cli.trust import trust_for

DEFAULT_NAMESPACE = "default"


class Session:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.config = KubeConfig.load(getattr(args, "kubeconfig", None))

    @cached_property
    def server(self) -> str:
        server = getattr(self.args, "server", None) or self.config.server()
        if not server:
            raise CliError(
                "no server is configured: run 'moorage login SERVER' or pass --server URL"
            )
        return normalize_server(server)

    @property
    def namespace(self) -> str:
        return getattr(self.args, "namespace", None) or self.config.namespace() or DEFAULT_NAMESPACE

    @property
    def token(self) -> str | None:
        """--token, else the current context's user's token."""
        return getattr(self.args, "token", None) or self.config.token()

    @property
    def credentials(self) -> Credentials:
        groups = tuple(getattr(self.args, "as_group", None) or ())
        return Credentials(self.token, getattr(self.args, "as_user", None), groups)

    @cached_property
    def endpoint(self) -> Endpoint:
        """The server, the request timeout, and the trust in its certificate."""
        trust = trust_for(self.args, self.config.cluster(), self.config.path.parent)
        timeout = getattr(self.args, "request_timeout", None)
        return Endpoint(self.server, timeout, trust.verify())

    @cached_property
    def client(self) -> ApiClient:
        return ApiClient(self.endpoint, self.credentials)

    @cached_property
    def discovery(self) -> Discovery:
        return Discovery.fetch(self.client)

    def resolve(self, typed: str) -> ResourceType:
        return self.discovery.resolve(typed)

    def close(self) -> None:
        if "client" in self.__dict__:
            self.client.close()


def normalize_server(server: str) -> str:
    """`host:port` -> `http://host:port`; a server that serves TLS is named https://."""
    server = server.strip().rstrip("/")
    return server if "://" in server else f"http://{server}"
