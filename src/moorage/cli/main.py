"""`moorage`: the command-line entry point. Each subcommand prints one line on failure."""

import argparse
import sys

from moorage import __version__
from moorage.cli.commands import (
    adm,
    apply,
    auth,
    create,
    delete,
    describe,
    edit,
    get,
    import_image,
    login,
    logout,
    logs,
    patch,
    policy,
    projects,
    tag,
    whoami,
)
from moorage.cli.errors import CliError
from moorage.cli.options import Parser, connection_options

SERVE_SUMMARY = "run the registry and its API server"
COMMANDS = (
    login,
    logout,
    whoami,
    projects,
    get,
    describe,
    logs,
    create,
    apply,
    patch,
    edit,
    delete,
    tag,
    import_image,
    auth,
    policy,
    adm,
)
DESCRIPTION = """A container image registry with a Kubernetes-style API.

`moorage serve` runs the registry and its API server; the other commands are a
client of that API, like `oc`: they find the server, namespace (project) and
token in the kubeconfig file (--kubeconfig, else $KUBECONFIG, else
~/.kube/config) that `moorage login SERVER -u USER` writes and kubectl shares."""


def build_parser(serving: bool = True) -> Parser:
    """The whole parser; `serving=False` lists `serve` without importing the server."""
    common = connection_options()
    parser = Parser(
        prog="moorage",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"moorage {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    if serving:
        from moorage.cli.serve import add_serve_parser

        add_serve_parser(commands)
    else:
        commands.add_parser("serve", help=SERVE_SUMMARY)
    for module in COMMANDS:
        module.register(commands, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    args = _parse(build_parser(serving="serve" in words), words)
    if args.command == "serve":
        return _serve(args)
    try:
        return args.func(args) or 0
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _parse(parser: Parser, words: list[str]) -> argparse.Namespace:
    """As oc, names may follow options: `get secret -n NAMESPACE NAME`."""
    args, extra = parser.parse_known_args(words)
    if isinstance(getattr(args, "resources", None), list):
        args.resources += [word for word in extra if not word.startswith("-")]
        extra = [word for word in extra if word.startswith("-")]
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def _serve(args: argparse.Namespace) -> int:
    from moorage.server.config import ConfigError

    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
