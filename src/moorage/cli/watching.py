"""`get -w`: the current objects, then each change as the server reports it."""

import argparse
import sys
from dataclasses import replace

from moorage.cli.errors import CliError
from moorage.cli.printers import Output, TableOptions, format_table, object_name, render, table_rows
from moorage.cli.session import Session
from moorage.cli.targets import Target, list_all
from moorage.resources.objects import Object


class Printer:
    """Prints objects one batch at a time, keeping table columns aligned with the first."""

    def __init__(self, target: Target, output: Output, args: argparse.Namespace) -> None:
        self.target, self.output, self.events = target, output, args.output_watch_events
        self.options = TableOptions(
            wide=output.kind == "wide",
            namespace_column=args.all_namespaces,
            show_labels=args.show_labels,
            headers=not args.no_headers,
        )
        self.widths: list[int] | None = None

    def print(self, objects: list[Object], event: str = "") -> None:
        if self.output.is_table:
            self._table(objects, event)
        else:
            for obj in objects:
                if self.output.kind == "name":
                    text = object_name(self.target.kind, obj) + "\n"
                else:
                    text = render(
                        {"type": event, "object": obj} if self.events else obj, self.output
                    )
                sys.stdout.write(text if self.output.kind != "yaml" else "---\n" + text)
        sys.stdout.flush()

    def _table(self, objects: list[Object], event: str) -> None:
        first = self.widths is None
        options = replace(self.options, headers=self.options.headers and first)
        rows = table_rows(self.target.kind, objects, options)
        if self.events:
            header = options.headers
            rows = [["EVENT" if header and i == 0 else event, *r] for i, r in enumerate(rows)]
        if not rows:
            return
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        if self.widths:
            widths = [max(a, b) for a, b in zip(widths, self.widths, strict=False)]
        self.widths = widths
        sys.stdout.write(format_table(rows, widths))


def watch(session: Session, target: Target, output: Output, args: argparse.Namespace) -> int:
    kind = target.kind
    namespace = None if args.all_namespaces or not kind.namespaced else session.namespace
    fields = args.field_selector
    if target.names:
        fields = ",".join(f for f in (fields, f"metadata.name={target.names[0]}") if f)
    params = {"labelSelector": args.selector, "fieldSelector": fields}
    items, version = list_all(session, kind, namespace, params)
    printer = Printer(target, output, args)
    if not args.watch_only:
        printer.print(items, "ADDED")
    query = {k: v for k, v in params.items() if v}
    query["resourceVersion"] = version
    for event in session.client.watch(kind.path(namespace), query):
        if event.get("type") == "ERROR":
            raise CliError(str((event.get("object") or {}).get("message") or "the watch failed"))
        printer.print([event.get("object") or {}], str(event.get("type", "")))
    return 0
