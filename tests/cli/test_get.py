"""get: tables, every -o format, selectors, all namespaces, watch."""

import json
import os
import subprocess
import time

import yaml

from tests.cli.conftest import Cli
from tests.support.server import MOORAGE


def _two_configmaps(cli: Cli) -> None:
    (cli.cwd / "two.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: alpha, labels: {tier: web}}\n"
        "data: {a: '1', b: '2'}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: beta, labels: {tier: db}}\n"
    )
    cli("create", "-f", "two.yaml")


def test_table_has_name_and_age_and_kind_columns(cli: Cli, project: str) -> None:
    _two_configmaps(cli)
    lines = cli("get", "configmaps").splitlines()
    assert lines[0].split() == ["NAME", "DATA", "AGE"]
    assert lines[1].split()[:2] == ["alpha", "2"] and lines[2].split()[:2] == ["beta", "0"]
    assert lines[0].index("DATA") == lines[1].index("2")
    labelled = cli("get", "cm", "--show-labels", "--no-headers").splitlines()
    assert labelled[0].split()[-1] == "tier=web"


def test_yaml_json_name_for_one_and_many(cli: Cli, project: str) -> None:
    _two_configmaps(cli)
    one = yaml.safe_load(cli("get", "cm", "alpha", "-o", "yaml"))
    assert one["kind"] == "ConfigMap" and one["data"] == {"a": "1", "b": "2"}
    many = json.loads(cli("get", "cm", "-o", "json"))
    assert many["kind"] == "List" and [i["metadata"]["name"] for i in many["items"]] == [
        "alpha",
        "beta",
    ]
    assert cli("get", "cm", "-o", "name") == "configmap/alpha\nconfigmap/beta\n"
    assert cli("get", "cm", "-o", "wide").splitlines()[0].split() == ["NAME", "DATA", "AGE"]


def test_jsonpath_and_go_template(cli: Cli, project: str) -> None:
    _two_configmaps(cli)
    assert cli("get", "cm", "-o", "jsonpath={.items[*].metadata.name}") == "alpha beta"
    ranged = '{range .items[*]}{.metadata.name}:{.metadata.labels.tier}{"\\n"}{end}'
    assert cli("get", "cm", "-o", f"jsonpath={ranged}") == "alpha:web\nbeta:db\n"
    assert cli("get", "cm", "alpha", "-o", "jsonpath={.data.b}") == "2"
    assert cli("get", "cm", "alpha", "--template={{ .data.a }}") == "1"
    listed = "{{range .items}}{{.metadata.name}} {{end}}"
    assert cli("get", "cm", "-o", f"go-template={listed}") == "alpha beta "
    (cli.cwd / "t.tmpl").write_text("{{ len .items }}")
    assert cli("get", "cm", "-o", "go-template-file=t.tmpl") == "2"
    assert cli("get", "cm", "-o", "jsonpath", "--template={.kind}") == "List"


def test_bad_output_and_templates_are_one_line(cli: Cli, project: str) -> None:
    assert "output format 'xml'" in cli.fails("get", "cm", "-o", "xml")
    assert "jsonpath" in cli.fails("get", "cm", "-o", "jsonpath={range .items[*]}")
    assert "go-template" in cli.fails("get", "cm", "-o", "go-template={{ nosuchfunc . }}")


def test_selectors_all_namespaces_and_several_types(cli: Cli, project: str) -> None:
    _two_configmaps(cli)
    cli("create", "secret", "generic", "s", "--from-literal=k=v")
    assert cli("get", "cm", "-l", "tier=web", "-o", "name") == "configmap/alpha\n"
    assert (
        cli("get", "cm", "--field-selector", "metadata.name=beta", "-o", "name")
        == "configmap/beta\n"
    )
    wide = cli("get", "configmaps", "-A").splitlines()
    assert wide[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert any(line.split()[:2] == [project, "alpha"] for line in wide)
    both = cli("get", "secrets,cm", "-o", "name").split()
    assert both == ["secret/s", "configmap/alpha", "configmap/beta"]
    assert cli("get", "secret/s", "cm/beta", "-o", "name").split() == ["secret/s", "configmap/beta"]


def test_missing_objects_and_empty_lists(cli: Cli, project: str) -> None:
    assert cli.fails("get", "cm", "absent") == 'error: configmaps "absent" not found (NotFound)'
    assert cli("get", "cm", "absent", "--ignore-not-found") == ""
    empty = cli.run("get", "secrets")
    assert (empty.returncode, empty.stdout) == (0, "")
    assert empty.stderr == f"No resources found in {project} namespace.\n"


def test_watch_prints_the_list_then_each_change(cli: Cli, project: str) -> None:
    cli("create", "configmap", "before", "--from-literal=a=1")
    env = {"KUBECONFIG": str(cli.kubeconfig), "PYTHONUNBUFFERED": "1"}
    watcher = subprocess.Popen(
        [*MOORAGE, "get", "cm", "-w", "--output-watch-events"],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    try:
        assert watcher.stdout is not None
        assert watcher.stdout.readline().split() == ["EVENT", "NAME", "DATA", "AGE"]
        assert watcher.stdout.readline().split()[:2] == ["ADDED", "before"]
        time.sleep(0.3)
        cli("create", "configmap", "after", "--from-literal=a=1")
        assert watcher.stdout.readline().split()[:2] == ["ADDED", "after"]
        cli("delete", "cm", "before")
        assert watcher.stdout.readline().split()[:2] == ["DELETED", "before"]
    finally:
        watcher.terminate()
        watcher.wait(10)
        if watcher.stdout:
            watcher.stdout.close()
