"""describe: readable pages, secret values hidden, events that involve the object."""

import httpx

from tests.cli.conftest import Cli


def test_describe_secret_shows_sizes_not_values(cli: Cli, project: str) -> None:
    cli("create", "secret", "generic", "creds", "--from-literal=password=hunter22")
    page = cli("describe", "secret", "creds")
    assert "Name:         creds" in page and f"Namespace:    {project}" in page
    assert "password:  8 bytes" in page
    assert "hunter22" not in page


def test_describe_configmap_and_project_with_events(cli: Cli, project: str) -> None:
    cli("create", "configmap", "conf", "--from-literal=greeting=hello")
    assert cli.server is not None
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "conf.1"},
        "involvedObject": {"kind": "ConfigMap", "name": "conf", "namespace": project},
        "reason": "Tested",
        "message": "something happened",
        "type": "Normal",
    }
    url = f"{cli.server.api_url}/api/v1/namespaces/{project}/events"
    assert httpx.post(url, json=event, headers=cli.server.admin_headers).status_code == 201
    page = cli("describe", "cm/conf")
    assert "greeting:\n----\nhello" in page
    assert "Tested" in page and "something happened" in page
    events = cli("get", "ev").splitlines()
    assert events[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert "configmap/conf" in events[1]
    project_page = cli("describe", "project", project)
    assert "Kind:         Project" in project_page and "Phase:  Active" in project_page


def test_describe_missing_is_one_line(cli: Cli, project: str) -> None:
    assert "NotFound" in cli.fails("describe", "secret", "absent")
