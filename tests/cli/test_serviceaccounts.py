"""create serviceaccount and create token: a service account's identity, as kubectl makes it."""

import pytest

from moorage.cli.durations import parse_duration
from moorage.cli.errors import CliError
from tests.cli.conftest import Cli
from tests.support.server import RunningServer


def test_create_serviceaccount(cli: Cli, project: str) -> None:
    assert cli("create", "serviceaccount", "pusher") == "serviceaccount/pusher created\n"
    assert cli("create", "sa", "puller", "-o", "name") == "serviceaccount/puller\n"
    assert set(cli("get", "sa", "-o", "name").split()) >= {
        "serviceaccount/pusher",
        "serviceaccount/puller",
    }


def test_a_token_authenticates_as_the_service_account(cli: Cli, project: str) -> None:
    cli("create", "serviceaccount", "pusher")
    token = cli("create", "token", "pusher", "--duration", "30m").strip()
    assert "\n" not in token and token
    assert cli("--token", token, "whoami") == f"system:serviceaccount:{project}:pusher\n"
    push = ("--token", token, "auth", "can-i", "update", "imagestreams/layers")
    assert cli.run(*push).returncode == 1
    cli("policy", "add-role-to-user", "registry-editor", "-z", "pusher")
    assert cli(*push) == "yes\n"


def test_logging_in_with_a_service_account_token(
    cli: Cli, project: str, offline: Cli, api_server: RunningServer
) -> None:
    cli("create", "serviceaccount", "robot")
    token = cli("create", "token", "robot").strip()
    out = offline("login", api_server.api_url, "--token", token)
    assert f'as "system:serviceaccount:{project}:robot" using the token provided.' in out
    assert offline("whoami", "-t") == f"{token}\n"


def test_token_requests_that_fail_are_one_line(cli: Cli, project: str) -> None:
    assert "NotFound" in cli.fails("create", "token", "nobody")
    cli("create", "serviceaccount", "brief")
    assert "expirationSeconds" in cli.fails("create", "token", "brief", "--duration", "1m")
    line = cli.fails("create", "token", "brief", "--duration", "ten minutes")
    assert (
        line
        == 'error: invalid duration "ten minutes": use a number and a unit, e.g. 90s, 30m, 1h30m'
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1h", 3600), ("30m", 1800), ("90s", 90), ("1h30m", 5400), ("1.5h", 5400), ("1500ms", None)],
)
def test_durations_are_go_s(text: str, seconds: int | None) -> None:
    if seconds is None:
        with pytest.raises(CliError, match="finer than a second"):
            parse_duration(text)
    else:
        assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "h", "1d", "10", "-1h", "1h 30m"])
def test_durations_that_are_not(text: str) -> None:
    with pytest.raises(CliError, match="invalid duration"):
        parse_duration(text)
