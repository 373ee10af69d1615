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
    ["logout"],
    ["whoami"],
    ["create", "serviceaccount"],
    ["create", "token"],
    ["auth"],
    ["auth", "can-i"],
    ["policy"],
    ["policy", "who-can"],
    ["policy", "add-role-to-user"],
    ["policy", "remove-role-from-group"],
    ["adm"],
    ["adm", "policy"],
    ["adm", "policy", "add-cluster-role-to-user"],
    ["adm", "policy", "remove-cluster-role-from-group"],
    ["adm", "policy", "add-role-to-user"],
    ["adm", "render-manifests"],
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
        "logout",
        "whoami",
        "auth",
        "policy",
        "adm",
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
    unknown = offline.fails("get", "secret", "-n", "x", "name", "--bogus")
    assert unknown.startswith("error: unrecognized arguments: --bogus")
    assert "unrecognized arguments: extra" in offline.fails("whoami", "extra")


def test_names_may_follow_options_as_with_oc(cli: Cli, project: str) -> None:
    cli("create", "configmap", "settings", "-n", project, "--from-literal=a=b")
    shown = cli("get", "configmap", "-n", project, "settings", "-o", "name")
    assert shown == "configmap/settings\n"


def test_help_shows_the_specification_s_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for command, example in [
        (["policy", "add-role-to-user"], "policy add-role-to-user registry-viewer alice"),
        (
            ["adm", "policy", "add-cluster-role-to-user"],
            "add-cluster-role-to-user prometheus-scraper",
        ),
        (["whoami"], "podman login -u kubeadmin -p $(moorage whoami -t)"),
        (["login"], "-u kubeadmin -p"),
    ]:
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        assert example in capsys.readouterr().out
