"""delete by name, TYPE/NAME, file, selector; missing objects."""

from tests.cli.conftest import Cli


def test_delete_by_name_type_slash_name_and_file(cli: Cli, project: str) -> None:
    for name in ("one", "two", "three"):
        cli("create", "configmap", name, "--from-literal=a=1")
    assert cli("delete", "configmap", "one") == 'configmap "one" deleted\n'
    assert cli("delete", "cm/two") == 'configmap "two" deleted\n'
    (cli.cwd / "three.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: three}\n"
    )
    assert cli("delete", "-f", "three.yaml") == 'configmap "three" deleted\n'
    assert cli.run("get", "cm").stderr == f"No resources found in {project} namespace.\n"


def test_delete_by_selector_and_all(cli: Cli, project: str) -> None:
    (cli.cwd / "labelled.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lab, labels: {app: web}}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n"
    )
    cli("create", "-f", "labelled.yaml")
    assert cli("delete", "cm", "-l", "app=web") == 'configmap "lab" deleted\n'
    assert cli("delete", "cm", "--all") == 'configmap "other" deleted\n'


def test_delete_errors_are_one_line(cli: Cli, project: str) -> None:
    assert "NotFound" in cli.fails("delete", "secret", "absent")
    assert cli("delete", "secret", "absent", "--ignore-not-found") == ""
    assert "no name given for configmaps" in cli.fails("delete", "configmaps")


def test_deleting_a_project_deletes_its_objects(cli: Cli, project: str) -> None:
    cli("create", "configmap", "inside", "--from-literal=a=1")
    assert (
        cli("delete", "project", project) == f'project.project.openshift.io "{project}" deleted\n'
    )
    assert project not in cli("get", "projects", "-o", "name")
