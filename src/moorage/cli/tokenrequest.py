"""`moorage create token SA`: a TokenRequest for a service account; prints the token."""

import argparse
from typing import Any

from moorage.cli.durations import parse_duration
from moorage.cli.errors import CliError
from moorage.cli.session import Session

DEFAULT_DURATION = "1h"
DESCRIPTION = """Request a token for the service account SA in the namespace (a TokenRequest,
as `kubectl create token` does) and print it. The token authenticates as
system:serviceaccount:NAMESPACE:SA until it expires (--duration, default 1h); it
logs in with `moorage login SERVER --token TOKEN`, or to the registry with
podman login -p TOKEN."""
EXAMPLES = """examples:
  moorage create serviceaccount pusher
  moorage policy add-role-to-user registry-editor -z pusher
  moorage create token pusher --duration 30m
  podman login -u pusher -p "$(moorage create token pusher)" 127.0.0.1:5000"""


def add_token_parser(kinds: Any, common: argparse.ArgumentParser) -> None:
    parser = kinds.add_parser(
        "token",
        parents=[common],
        help="request a service account token",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="SA")
    parser.add_argument(
        "--duration",
        default=DEFAULT_DURATION,
        help="how long the token lasts: 1h, 30m, 90s, 1h30m (default 1h)",
    )
    parser.add_argument(
        "--audience",
        action="append",
        default=[],
        help="an audience the token is meant for (repeatable; default: the server's)",
    )
    parser.set_defaults(func=run_token)


def run_token(args: argparse.Namespace) -> int:
    spec: dict[str, Any] = {"expirationSeconds": parse_duration(args.duration)}
    if args.audience:
        spec["audiences"] = args.audience
    session = Session(args)
    path = f"/api/v1/namespaces/{session.namespace}/serviceaccounts/{args.name}/token"
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec}
    token = (session.client.create(path, request).get("status") or {}).get("token")
    if not token:
        raise CliError("the server's answer to the TokenRequest holds no token")
    print(token)
    return 0
