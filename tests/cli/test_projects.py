"""new-project, projects, project, and projects through get."""

import yaml

from tests.cli.conftest import Cli


def test_new_project_switches_the_context_to_it(cli: Cli) -> None:
    out = cli("new-project", "team-alpha", "--display-name", "Team Alpha", "--description", "ours")
    assert out.startswith('Now using project "team-alpha" on server "http://127.0.0.1:')
    config = yaml.safe_load(cli.kubeconfig.read_text())
    current = next(c for c in config["contexts"] if c["name"] == config["current-context"])
    assert current["context"]["namespace"] == "team-alpha"
    assert config["current-context"].startswith("team-alpha/127-0-0-1:")
    assert cli("project", "-q") == "team-alpha\n"
    table = cli("get", "projects")
    assert table.splitlines()[0].split() == ["NAME", "DISPLAY", "NAME", "STATUS"]
    assert any(
        line.split()[:4] == ["team-alpha", "Team", "Alpha", "Active"] for line in table.splitlines()
    )
    annotations = yaml.safe_load(cli("get", "project", "team-alpha", "-o", "yaml"))["metadata"][
        "annotations"
    ]
    assert annotations["openshift.io/description"] == "ours"


def test_projects_lists_them_marking_the_current_one(cli: Cli) -> None:
    cli("new-project", "listed-one")
    cli("new-project", "listed-two")
    out = cli("projects")
    assert "  * listed-two" in out.splitlines()
    assert "    listed-one" in out.splitlines()
    assert 'Using project "listed-two" on server' in out
    assert {"listed-one", "listed-two"} <= set(cli("projects", "-q").split())


def test_project_switches_and_shows(cli: Cli) -> None:
    cli("new-project", "switch-a")
    cli("new-project", "switch-b")
    assert cli("project", "switch-a").startswith('Now using project "switch-a"')
    assert cli("project").startswith('Using project "switch-a" on server')
    assert "switch-a" in cli("get", "ns", "-o", "name")


def test_project_that_does_not_exist_is_one_line(cli: Cli) -> None:
    assert (
        cli.fails("project", "no-such-project")
        == 'error: the project "no-such-project" does not exist'
    )


def test_new_project_with_a_bad_name_names_the_field(cli: Cli) -> None:
    line = cli.fails("new-project", "Bad_Name")
    assert "metadata.name" in line and "Invalid" in line


def test_new_project_that_exists_is_already_exists(cli: Cli) -> None:
    cli("new-project", "twice")
    assert "AlreadyExists" in cli.fails("new-project", "twice")
