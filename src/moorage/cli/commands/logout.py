"""`moorage logout`: revoke the session's token on the server and forget it."""

import argparse
import sys
from typing import Any

from moorage.auth.tokens import object_name
from moorage.cli import contexts
from moorage.cli.client import ApiError
from moorage.cli.errors import CliError
from moorage.cli.options import add_command
from moorage.cli.session import Session
from moorage.cli.users import current_user

ACCESS_TOKENS = "/apis/oauth.openshift.io/v1/oauthaccesstokens"
DESCRIPTION = """End the current session, as `oc logout` does: delete the token's
OAuthAccessToken on the server, so no client can use it any more, and remove the
token from the kubeconfig. The cluster and context entries stay; log in again
with `moorage login`."""


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    add_command(
        commands,
        "logout",
        "end the current session: revoke the token",
        DESCRIPTION,
        common,
        "example:\n  moorage logout",
    ).set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    token = session.token
    if not token:
        raise CliError("You must have a token in order to logout.")
    try:
        user = current_user(session.client)
    except ApiError as exc:
        if exc.status_code != 401:
            raise
        user = contexts.user_of(session.config.context().get("user", ""))  # expired already
    else:
        _revoke(session, token)
    contexts.forget_token(session.config, token)
    session.config.save()
    print(f'Logged "{user}" out on "{session.server}"')
    return 0


def _revoke(session: Session, token: str) -> None:
    """Delete the token's object; a token that is none (a service account's) has nothing."""
    try:
        session.client.delete(f"{ACCESS_TOKENS}/{object_name(token)}")
    except ApiError as exc:
        if exc.status_code != 404:
            print(f"warning: the server did not revoke the token: {exc}", file=sys.stderr)
