"""apply -f: create, unchanged, configured; fields others set are kept."""

import json

from moorage.cli.merging import LAST_APPLIED, three_way, with_last_applied
from tests.cli.conftest import Cli

MANIFEST = """apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  labels: {app: web}
data:
  a: "1"
  b: "2"
"""


def test_apply_creates_then_is_unchanged_then_configures(cli: Cli, project: str) -> None:
    path = cli.cwd / "settings.yaml"
    path.write_text(MANIFEST)
    assert cli("apply", "-f", "settings.yaml") == "configmap/settings created\n"
    assert cli("apply", "-f", "settings.yaml") == "configmap/settings unchanged\n"
    cli("patch", "cm", "settings", "--type", "merge", "-p", '{"data": {"theirs": "kept"}}')
    path.write_text(MANIFEST.replace('b: "2"', 'c: "3"'))
    assert cli("apply", "-f", "settings.yaml") == "configmap/settings configured\n"
    live = json.loads(cli("get", "cm", "settings", "-o", "json"))
    assert live["data"] == {"a": "1", "c": "3", "theirs": "kept"}
    assert json.loads(live["metadata"]["annotations"][LAST_APPLIED])["data"] == {"a": "1", "c": "3"}


def test_three_way_sets_changes_and_removes_what_the_file_dropped() -> None:
    last = with_last_applied({"kind": "X", "metadata": {"name": "n"}, "data": {"a": "1", "b": "2"}})
    live = {**last, "data": {"a": "1", "b": "2", "theirs": "x"}, "status": {"s": 1}}
    desired = with_last_applied({"kind": "X", "metadata": {"name": "n"}, "data": {"a": "9"}})
    patch = three_way(desired, live)
    assert patch["data"] == {"a": "9", "b": None}
    assert "status" not in patch
    assert three_way(last, {**last, "status": {"s": 1}}) == {}
