"""patch TYPE/NAME or TYPE NAME, --type merge|json, and bad patches."""

import json

from tests.cli.conftest import Cli


def _data(cli: Cli) -> dict[str, str]:
    return json.loads(cli("get", "configmap", "conf", "-o", "json"))["data"]


def test_merge_patch_in_the_specs_form(cli: Cli, project: str) -> None:
    cli("create", "configmap", "conf", "--from-literal=a=1")
    out = cli("patch", "configmaps/conf", "--type", "merge", "-p", '{"data": {"b": "2"}}')
    assert out == "configmap/conf patched\n"
    cli("patch", "configmap", "conf", "--type=merge", "--patch", '{"data": {"a": null}}')
    assert _data(cli) == {"b": "2"}


def test_json_patch_and_yaml_patches(cli: Cli, project: str) -> None:
    cli("create", "configmap", "conf", "--from-literal=a=1")
    cli(
        "patch",
        "cm",
        "conf",
        "--type",
        "json",
        "-p",
        '[{"op": "add", "path": "/data/c", "value": "3"}]',
    )
    cli("patch", "cm/conf", "-p", "data: {d: '4'}")
    assert _data(cli) == {"a": "1", "c": "3", "d": "4"}
    out = cli("patch", "cm/conf", "--type", "merge", "-p", "{}", "-o", "jsonpath={.data.d}")
    assert out == "4"


def test_bad_patches_are_one_line(cli: Cli, project: str) -> None:
    cli("create", "configmap", "conf", "--from-literal=a=1")
    assert "neither JSON nor YAML" in cli.fails("patch", "cm/conf", "-p", "{bad")
    assert "must be a JSON array" in cli.fails("patch", "cm/conf", "--type", "json", "-p", "{}")
    bad_op = '[{"op": "remove", "path": "/data/missing"}]'
    assert "Invalid" in cli.fails("patch", "cm/conf", "--type", "json", "-p", bad_op)
    assert "NotFound" in cli.fails("patch", "cm/absent", "--type", "merge", "-p", "{}")
    assert _data(cli) == {"a": "1"}
