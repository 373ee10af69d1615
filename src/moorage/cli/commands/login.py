"""`moorage login [SERVER]`: get a token, record it in the kubeconfig, pick a project."""

import argparse
import getpass
import sys
from dataclasses import dataclass
from typing import Any

from moorage.cli import contexts
from moorage.cli.client import ApiClient, ApiError, Credentials, Endpoint
from moorage.cli.errors import CliError
from moorage.cli.kubeconfig import KubeConfig
from moorage.cli.oauth import check_username, request_token
from moorage.cli.options import add_command
from moorage.cli.projectlist import list_projects, listing, no_projects, project_names
from moorage.cli.session import DEFAULT_NAMESPACE, normalize_server
from moorage.cli.trust import Trust, flagged
from moorage.cli.users import current_user

DESCRIPTION = """Log in to SERVER (https://HOST:PORT, or http://; http:// is assumed when no scheme
is given) with a user name and password, or with a token you already have, as `oc login`
does: the server's OAuth endpoint trades the password for an access token (valid
for a day). The token is stored in the kubeconfig under a user entry named
USER/HOST:PORT, with the context NAMESPACE/HOST:PORT/USER made current, so kubectl
uses the same credentials. Without SERVER, the current context's server is used.

A server that serves TLS (`moorage serve --api-tls`) is trusted by the CA that
signed its certificate: --certificate-authority FILE (the server makes one at
<data-dir>/tls/ca.crt) stores it in the kubeconfig's cluster entry as
certificate-authority-data, as oc does, so later commands and kubectl trust it
too; --insecure-skip-tls-verify stores that the certificate goes unchecked.

Without -p, the password is asked for when there is a terminal to ask on. Without
-u or --token, a token the kubeconfig already holds for SERVER is used if it is
still valid. The first start of `moorage serve` writes the kubeadmin password to
<data-dir>/kubeadmin-password; kubeadmin logs in as the user kube:admin.

The token also logs podman, skopeo and docker in to the registry (any user name
without ':' will do; the token says who you are)."""
EXAMPLES = """examples:
  moorage login 127.0.0.1:6443 -u kubeadmin -p "$(cat .moorage/kubeadmin-password)"
  moorage login https://127.0.0.1:6443 --certificate-authority .moorage/tls/ca.crt -u kubeadmin
  moorage login https://api.example.com:6443 -u alice      # asks for the password
  moorage login 127.0.0.1:6443 --token sha256~...
  podman login -u kubeadmin -p $(moorage whoami -t) --tls-verify=false 127.0.0.1:5000"""


@dataclass(frozen=True)
class Login:
    token: str
    user: str
    projects: list[dict[str, Any]]
    greeting: str


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        commands, "login", "log in to a server and record the token", DESCRIPTION, common, EXAMPLES
    )
    parser.add_argument("login_server", nargs="?", metavar="SERVER")
    parser.add_argument("-u", "--username", help="the user to log in as")
    parser.add_argument("-p", "--password", help="the user's password (asked for if missing)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = KubeConfig.load(getattr(args, "kubeconfig", None))
    typed = args.login_server or getattr(args, "server", None) or config.server()
    if not typed:
        raise CliError("a server is required: moorage login http://HOST:PORT")
    server = normalize_server(typed)
    if args.username:
        check_username(args.username)
    if args.username and getattr(args, "token", None):
        raise CliError("--token and --username are mutually exclusive")
    endpoint, given = _endpoint(server, args, config)
    login = _log_in(endpoint, args, config)
    namespace = _choose(
        config, server, project_names(login.projects), getattr(args, "namespace", None)
    )
    contexts.use(config, server, namespace, login.user, login.token)
    if given:
        given.store(config.clusters[contexts.cluster_name(server)])
    config.save()
    _greet(login, namespace)
    return 0


def _endpoint(
    server: str, args: argparse.Namespace, config: KubeConfig
) -> tuple[Endpoint, Trust | None]:
    """How to reach `server`, trusting what the options say (returned too, to be stored),
    else what the kubeconfig's entry for `server` says."""
    given = flagged(args)
    cluster = config.clusters.get(contexts.cluster_name(server), {})
    known = cluster if cluster.get("server") == server else {}
    trust = given or Trust.of_cluster(known, config.path.parent)
    return Endpoint(server, getattr(args, "request_timeout", None), trust.verify()), given


def _log_in(endpoint: Endpoint, args: argparse.Namespace, config: KubeConfig) -> Login:
    given = getattr(args, "token", None)
    if given:
        try:
            return _verified(endpoint, given, "using the token provided")
        except ApiError as exc:
            if exc.status_code == 401:
                raise CliError("The token provided is invalid or expired.") from None
            raise
    server = endpoint.server
    existing = None if args.password is not None else contexts.token_for(config, server)
    if existing:
        try:
            login = _verified(endpoint, existing, "using existing credentials")
        except ApiError as exc:
            if exc.status_code != 401:
                raise
        else:
            if args.username in (None, login.user):
                return login
    with ApiClient(endpoint) as client:
        token = request_token(client, *_user_and_password(server, args))
    return _verified(endpoint, token, "")


def _verified(endpoint: Endpoint, token: str, how: str) -> Login:
    """Who `token` is, and their projects; the greeting oc prints for this way in."""
    with ApiClient(endpoint, Credentials(token)) as client:
        user = current_user(client)
        projects = list_projects(client)
    server = endpoint.server
    greeting = f'Logged into "{server}" as "{user}" {how}.' if how else "Login successful."
    return Login(token, user, projects, greeting)


def _user_and_password(server: str, args: argparse.Namespace) -> tuple[str, str]:
    if args.username and args.password is not None:
        return args.username, args.password
    if not sys.stdin.isatty():
        missing = "a password is required: pass -p PASSWORD"
        if not args.username:
            missing = "a user name and password are required: pass -u USER -p PASSWORD"
        raise CliError(f"{missing} (or --token TOKEN); there is no terminal to ask on")
    print(f"Authentication required for {server} (openshift)")
    username = args.username or input("Username: ")
    check_username(username)
    password = args.password if args.password is not None else getpass.getpass("Password: ")
    return username, password


def _choose(config: KubeConfig, server: str, names: list[str], asked: str | None) -> str:
    if asked:
        return asked
    previous = config.namespace() if config.server() == server else None
    for candidate in (previous, DEFAULT_NAMESPACE):
        if candidate and candidate in names:
            return candidate
    return names[0] if names else DEFAULT_NAMESPACE


def _greet(login: Login, namespace: str) -> None:
    print(login.greeting)
    print()
    if not login.projects:
        print(no_projects(), end="")
        return
    if len(login.projects) == 1:
        print(f'You have one project on this server: "{namespace}".\n')
    else:
        print(listing(login.projects, namespace))
    print(f'Using project "{namespace}".')
