"""--help answers what each command does; usage mistakes are one line."""

import pytest

from moorage.cli.main import main
from tests.cli.conftest import Cli

COMMANDS = [
    ["serve"],
    ["login"],
    ["get"],
    ["describe"],
    ["create"],
    ["create", "secret", "generic"],
    ["create", "secret", "tls"],
    ["create", "configmap"],
    ["apply"],
    ["patch"],
    ["edit"],
    ["delete"],
    ["new-project"],
    ["projects"],
    ["project"],
]


def test_top_level_help_lists_the_commands(offline: Cli) -> None:
    out = offline("--help")
    for name in (
        "serve",
        "login",
        "get",
        "describe",
        "create",
        "apply",
        "patch",
        "edit",
        "delete",
        "new-project",
        "projects",
        "project",
    ):
        assert f"    {name} " in out


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_each_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: moorage {' '.join(command)}")
    assert len(out.splitlines()) > 4


def test_serve_help_runs_as_a_command(offline: Cli) -> None:
    assert "--api-listen" in offline("serve", "--help")


def test_usage_mistakes_are_one_line(offline: Cli) -> None:
    assert offline.fails("nonsense").startswith("error: argument COMMAND: invalid choice")
    assert "(see 'moorage get --help')" in offline.fails("get")
    assert "--type" in offline.fails("patch", "cm/x", "--type", "bogus", "-p", "{}")
