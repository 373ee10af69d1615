"""`moorage whoami`: the current user, or the session's token, server or context."""

import argparse
from typing import Any

from moorage.cli.errors import CliError
from moorage.cli.options import add_command
from moorage.cli.session import Session
from moorage.cli.users import current_user

DESCRIPTION = """Show the user the server takes you for (the name of the User object
users/~). With -t, print the token the session uses instead, for another client
to log in with; with --show-server or --show-context, the current server or
context."""
EXAMPLES = """examples:
  moorage whoami
  moorage whoami -t
  podman login -u kubeadmin -p $(moorage whoami -t) --tls-verify=false 127.0.0.1:5000
  moorage whoami --show-server"""


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(commands, "whoami", "show the current user", DESCRIPTION, common, EXAMPLES)
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument("-t", "--show-token", action="store_true", help="print the session's token")
    shown.add_argument(
        "-c", "--show-context", action="store_true", help="print the current context's name"
    )
    shown.add_argument("--show-server", action="store_true", help="print the server's URL")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    if args.show_token:
        if not session.token:
            raise CliError("no token is currently in use for this session")
        print(session.token)
    elif args.show_context:
        if not session.config.current_context:
            raise CliError("there is no current context: run 'moorage login SERVER'")
        print(session.config.current_context)
    elif args.show_server:
        print(session.server)
    else:
        print(current_user(session.client))
    return 0
