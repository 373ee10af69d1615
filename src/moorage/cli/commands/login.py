"""`moorage login SERVER`: record the server in the kubeconfig and pick a project."""

import argparse
import sys
from typing import Any

from moorage.cli import contexts
from moorage.cli.client import ApiClient
from moorage.cli.errors import CliError
from moorage.cli.kubeconfig import KubeConfig
from moorage.cli.options import add_command
from moorage.cli.projectlist import list_projects, listing, no_projects, project_names
from moorage.cli.session import DEFAULT_NAMESPACE, normalize_server

NO_CREDENTIALS = "this server needs no credentials yet (they arrive with access control)"


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        commands,
        "login",
        "log in to a server: record it in the kubeconfig",
        "Record SERVER (http://HOST:PORT; http:// is assumed when no scheme is given) in\n"
        "the kubeconfig as a cluster, a user and a context, make that context current,\n"
        "and choose a project. Without SERVER, the current context's server is used.\n"
        "The server does not authenticate yet, so no credentials are needed.",
        common,
        "examples:\n  moorage login http://127.0.0.1:6443\n  moorage login 127.0.0.1:6443 -u dev",
    )
    parser.add_argument("login_server", nargs="?", metavar="SERVER")
    parser.add_argument("-u", "--username", help="accepted; not needed yet")
    parser.add_argument("-p", "--password", help="accepted; not needed yet")
    parser.add_argument(
        "--insecure-skip-tls-verify",
        action="store_true",
        help="do not verify the server's certificate",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = KubeConfig.load(getattr(args, "kubeconfig", None))
    typed = args.login_server or getattr(args, "server", None) or config.server()
    if not typed:
        raise CliError("a server is required: moorage login http://HOST:PORT")
    server = normalize_server(typed)
    client = ApiClient(server, getattr(args, "request_timeout", None))
    try:
        client.get("/version")
        projects = list_projects(client)
    finally:
        client.close()
    namespace = _choose(config, server, project_names(projects), getattr(args, "namespace", None))
    contexts.use(config, server, namespace)
    if args.insecure_skip_tls_verify:
        config.clusters[contexts.cluster_name(server)]["insecure-skip-tls-verify"] = True
    config.save()
    _greet(server, args, projects, namespace)
    return 0


def _choose(config: KubeConfig, server: str, names: list[str], asked: str | None) -> str:
    if asked:
        return asked
    previous = config.namespace() if config.server() == server else None
    for candidate in (previous, DEFAULT_NAMESPACE):
        if candidate and candidate in names:
            return candidate
    return names[0] if names else DEFAULT_NAMESPACE


def _greet(server: str, args: argparse.Namespace, projects: list[Any], namespace: str) -> None:
    print(f'Logged into "{server}" as "{contexts.ANONYMOUS}": {NO_CREDENTIALS}.')
    if args.username or args.password:
        print("note: -u/-p are not needed: this server does not authenticate yet", file=sys.stderr)
    print()
    if not projects:
        print(no_projects(), end="")
        return
    if len(projects) == 1:
        print(f'You have one project on this server: "{namespace}".\n')
    else:
        print(listing(projects, namespace))
    print(f'Using project "{namespace}".')
