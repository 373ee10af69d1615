"""Printing objects: tables like oc's, and -o yaml|json|name|wide|jsonpath=|go-template=."""

import json
from dataclasses import dataclass
from pathlib import Path

from moorage.cli import gotemplate, jsonpath, yamlio
from moorage.cli.columns import Column, columns_for, labels_column
from moorage.cli.errors import CliError
from moorage.cli.resources import ResourceType
from moorage.resources.objects import Object

FORMATS = (
    "yaml, json, name, wide, jsonpath=..., jsonpath-file=..., go-template=..., go-template-file=..."
)
OUTPUT_HELP = f"output format: {FORMATS}"


@dataclass(frozen=True)
class Output:
    kind: str  # table, wide, yaml, json, name, jsonpath, go-template
    template: str = ""

    @property
    def is_table(self) -> bool:
        return self.kind in ("table", "wide")


def parse_output(option: str | None, template: str | None = None) -> Output:
    """-o and --template as kubectl reads them (--template alone means go-template)."""
    if not option:
        return Output("go-template", template) if template else Output("table")
    kind, _, value = option.partition("=")
    if kind in ("yaml", "json", "name", "wide") and not value:
        return Output(kind)
    if kind.endswith("-file") and kind[:-5] in ("jsonpath", "go-template", "template"):
        return _template(kind[:-5], _read_template(value))
    if kind in ("jsonpath", "go-template", "template"):
        text = value or template
        if not text:
            raise CliError(f"template format specified but no template given: -o {kind}=TEMPLATE")
        return _template(kind, text)
    raise CliError(
        f"unable to match a printer suitable for the output format {option!r}, "
        f"allowed formats are: {FORMATS}"
    )


def _template(kind: str, text: str) -> Output:
    return Output("go-template" if kind == "template" else kind, text)


def _read_template(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError as exc:
        raise CliError(f"cannot read template {path}: {exc}") from None


def as_list(items: list[Object]) -> Object:
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


def object_name(kind: ResourceType, obj: Object) -> str:
    return f"{kind.ref}/{(obj.get('metadata') or {}).get('name', '')}"


def render(data: Object, output: Output) -> str:
    """One document (an object, or a List) in a non-table format."""
    if output.kind == "yaml":
        return yamlio.dump(data)
    if output.kind == "json":
        return json.dumps(data, indent=4, sort_keys=True, ensure_ascii=False) + "\n"
    if output.kind == "jsonpath":
        return jsonpath.render(output.template, data)
    if output.kind == "go-template":
        return gotemplate.render(output.template, data)
    raise CliError(f"cannot render -o {output.kind} as a document")


@dataclass
class TableOptions:
    wide: bool = False
    namespace_column: bool = False
    show_labels: bool = False
    headers: bool = True


def table_columns(kind: ResourceType, options: TableOptions) -> list[Column]:
    columns = columns_for(kind.group, kind.plural, options.wide)
    if options.namespace_column and kind.namespaced:
        columns = [
            Column("NAMESPACE", lambda o: str((o.get("metadata") or {}).get("namespace", ""))),
            *columns,
        ]
    if options.show_labels:
        columns = [*columns, labels_column()]
    return columns


def table_rows(kind: ResourceType, objects: list[Object], options: TableOptions) -> list[list[str]]:
    columns = table_columns(kind, options)
    rows = [[c.header for c in columns]] if options.headers else []
    return rows + [[c.value(obj) for c in columns] for obj in objects]


def format_table(rows: list[list[str]], widths: list[int] | None = None) -> str:
    """Left-aligned columns three spaces apart, as kubectl's tabwriter lays them out."""
    if not rows:
        return ""
    widths = widths or [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=False)]
        lines.append("   ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines) + "\n"
