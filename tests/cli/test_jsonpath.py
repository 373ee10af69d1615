"""The JSONPath subset kubectl's -o jsonpath uses."""

import pytest

from moorage.cli.errors import CliError
from moorage.cli.jsonpath import render

DATA = {
    "kind": "List",
    "items": [
        {
            "metadata": {"name": "a", "annotations": {"openshift.io/display-name": "A"}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}], "n": 3},
        },
        {"metadata": {"name": "b"}, "status": {"conditions": [], "n": 5}},
    ],
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{.kind}", "List"),
        ("{.items[*].metadata.name}", "a b"),
        ('{range .items[*]}{.metadata.name}{"\\n"}{end}', "a\nb\n"),
        ("{range .items}[{.metadata.name}]{end}", "[a][b]"),
        ("{.items[0].metadata.name}", "a"),
        ("{.items[-1].metadata.name}", "b"),
        ("{.items[0:1].metadata.name}", "a"),
        ("{.items[0].metadata.annotations.openshift\\.io/display-name}", "A"),
        ("{.items[0].metadata.annotations['openshift.io/display-name']}", "A"),
        ('{.items[?(@.metadata.name=="b")].status.n}', "5"),
        ("{.items[?(@.status.n>4)].metadata.name}", "b"),
        ('{.items[0].status.conditions[?(@.type=="Ready")].status}', "True"),
        ("{..name}", "a b"),
        ("{.items[1].status}", '{"conditions":[],"n":5}'),
        ("{.missing.key}", ""),
        ("name: {.items[0].metadata.name}!", "name: a!"),
        ("{range .items[*]}{range .status.conditions[*]}{.type}{end}{end}", "Ready"),
    ],
)
def test_renders(template: str, expected: str) -> None:
    assert render(template, DATA) == expected


@pytest.mark.parametrize(
    "template", ["{.a", "{range .items}", "{end}", "{.items[x]}", "{.items[0}"]
)
def test_bad_templates_raise(template: str) -> None:
    with pytest.raises(CliError):
        render(template, DATA)
