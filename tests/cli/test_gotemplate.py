"""The Go template subset kubectl's -o go-template / --template uses."""

import pytest

from moorage.cli.errors import CliError
from moorage.cli.gotemplate import render

DATA = {
    "kind": "List",
    "spec": {"host": "registry.example.com"},
    "items": [
        {"metadata": {"name": "a", "labels": {"x": "1", "y": "2"}}, "data": {"k": "dmFsdWU="}},
        {"metadata": {"name": "b"}},
    ],
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ .spec.host }}", "registry.example.com"),
        ('{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}', "a\nb\n"),
        ("{{ range $i, $item := .items }}{{ $i }}={{ $item.metadata.name }} {{ end }}", "0=a 1=b "),
        ("{{range $k, $v := (index .items 0).metadata.labels}}{{$k}}{{$v}}{{end}}", "x1y2"),
        ("{{ if .spec }}yes{{ else }}no{{ end }}", "yes"),
        ("{{ if .nope }}1{{ else if .spec }}2{{ else }}3{{ end }}", "2"),
        ("{{ with .spec }}{{ .host }}{{ end }}", "registry.example.com"),
        ("{{ (index .items 0).data.k | base64decode }}", "value"),
        ('{{ index .items 1 "metadata" "name" }}', "b"),
        ("{{ len .items }}", "2"),
        ('{{ printf "%s:%d" .spec.host 5000 }}', "registry.example.com:5000"),
        ('{{ range .items }}{{ if eq .metadata.name "b" }}B{{ end }}{{ end }}', "B"),
        ("{{- range .items -}} {{ .metadata.name }} {{- end }}", "ab"),
        (
            "{{ $h := .spec.host }}{{ range .items }}{{ $h }}{{ end }}",
            "registry.example.comregistry.example.com",
        ),
        ("{{ range .items }}{{ $.kind }}{{ end }}", "ListList"),
        ("{{ .missing }}", "<no value>"),
        ("{{ (index .items 0).metadata.labels }}", "map[x:1 y:2]"),
        ("{{/* a comment */}}ok", "ok"),
    ],
)
def test_renders(template: str, expected: str) -> None:
    assert render(template, DATA) == expected


@pytest.mark.parametrize(
    "template",
    [
        "{{ range .items }}",
        "{{ end }}",
        "{{ nosuch .x }}",
        "{{ $undefined }}",
        "{{ index .items 9 }}",
    ],
)
def test_bad_templates_raise(template: str) -> None:
    with pytest.raises(CliError):
        render(template, DATA)
