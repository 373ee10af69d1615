"""The argument parser: one-line usage errors, and the options every API command shares."""

import argparse
import sys
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    """Usage mistakes are one line too, pointing at --help for the details."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message} (see '{self.prog} --help')", file=sys.stderr)
        sys.exit(2)


def connection_options() -> argparse.ArgumentParser:
    """--kubeconfig, --server, -n, --token, --as, --certificate-authority, as oc has them:
    before or after the command."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("connection")
    group.add_argument(
        "--kubeconfig",
        default=argparse.SUPPRESS,
        metavar="PATH",
        help="kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)",
    )
    group.add_argument(
        "--server",
        "-s",
        default=argparse.SUPPRESS,
        metavar="URL",
        help="the API server, instead of the current context's",
    )
    group.add_argument(
        "-n",
        "--namespace",
        default=argparse.SUPPRESS,
        metavar="NS",
        help="the namespace (project) to work in, instead of the current context's",
    )
    group.add_argument(
        "--request-timeout",
        type=float,
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help="give up on a request after this long (default 30)",
    )
    _identity_options(group)
    _trust_options(group)
    return common


def _trust_options(group: "argparse._ArgumentGroup") -> None:
    group.add_argument(
        "--certificate-authority",
        default=argparse.SUPPRESS,
        metavar="FILE",
        help="trust the server's certificate as signed by this CA (PEM), instead of the "
        "current cluster's CA",
    )
    group.add_argument(
        "--insecure-skip-tls-verify",
        action="store_true",
        default=argparse.SUPPRESS,
        help="do not check the server's certificate (insecure)",
    )


def _identity_options(group: "argparse._ArgumentGroup") -> None:
    group.add_argument(
        "--token",
        default=argparse.SUPPRESS,
        metavar="TOKEN",
        help="bearer token to authenticate with, instead of the current context's",
    )
    group.add_argument(
        "--as",
        dest="as_user",
        default=argparse.SUPPRESS,
        metavar="USER",
        help="act as this user (impersonation; needs the impersonate permission)",
    )
    group.add_argument(
        "--as-group",
        action="append",
        default=argparse.SUPPRESS,
        metavar="GROUP",
        help="act as a member of this group too (repeatable; needs --as)",
    )


def add_command(
    commands: "argparse._SubParsersAction[argparse.ArgumentParser]",
    name: str,
    summary: str,
    description: str,
    common: argparse.ArgumentParser,
    epilog: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand that talks to the API: it takes the connection options."""
    return commands.add_parser(
        name,
        help=summary,
        description=description,
        epilog=epilog,
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
