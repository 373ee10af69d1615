"""`moorage get`: list or show objects, in a table or any -o format, and watch them."""

import argparse
import sys
from typing import Any

from moorage.cli.errors import CliError, report
from moorage.cli.options import add_command
from moorage.cli.printers import (
    OUTPUT_HELP,
    Output,
    TableOptions,
    as_list,
    format_table,
    object_name,
    parse_output,
    render,
    table_rows,
)
from moorage.cli.session import Session
from moorage.cli.targets import Target, get_named, list_all, parse_targets
from moorage.cli.watching import watch
from moorage.resources.objects import Object

EXAMPLES = """examples:
  moorage get projects
  moorage get secrets -n openshift-image-registry
  moorage get is -o wide
  moorage get configmap registry-config -o yaml
  moorage get secrets -A -l app=registry -o name
  moorage get imagestreams -o jsonpath='{.items[*].metadata.name}'
  moorage get route default-route --template='{{ .spec.host }}'
  moorage get is -w"""


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        commands,
        "get",
        "display one or many resources",
        "Display one or many resources: TYPE [NAME...] or TYPE/NAME..., where TYPE is a\n"
        "plural, singular, short name or kind, optionally qualified by its API group\n"
        "(imagestreams.image.openshift.io, configs.imageregistry), or a comma list.",
        common,
        EXAMPLES,
    )
    parser.add_argument("resources", nargs="+", metavar="TYPE [NAME...]")
    add_output_options(parser)
    parser.add_argument(
        "-l", "--selector", default="", help="label selector, e.g. app=web,tier!=db"
    )
    parser.add_argument("--field-selector", default="", help="e.g. metadata.name=foo")
    parser.add_argument(
        "-A", "--all-namespaces", action="store_true", help="across every namespace"
    )
    parser.add_argument(
        "-w", "--watch", action="store_true", help="after listing, watch for changes"
    )
    parser.add_argument(
        "--watch-only", action="store_true", help="watch for changes without listing first"
    )
    parser.add_argument(
        "--output-watch-events", action="store_true", help="show the event type of each change"
    )
    parser.add_argument("--show-labels", action="store_true", help="add a LABELS column")
    parser.add_argument(
        "--no-headers", action="store_true", help="tables without their header line"
    )
    parser.add_argument(
        "--ignore-not-found", action="store_true", help="no error for a missing named object"
    )
    parser.set_defaults(func=run)


def add_output_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", default=None, metavar="FORMAT", help=OUTPUT_HELP)
    parser.add_argument(
        "--template", default=None, help="a go-template (or the -o jsonpath/go-template's template)"
    )


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    output = parse_output(args.output, args.template)
    targets = parse_targets(session, args.resources)
    if args.watch or args.watch_only:
        if len(targets) != 1 or len(targets[0].names) > 1:
            raise CliError("watch is only supported on one resource type and at most one name")
        return watch(session, targets[0], output, args)
    found, failed = fetch(session, targets, args)
    emit(found, output, args, single=_single(targets))
    if not any(objs for _, objs in found) and not failed and not any(t.names for t in targets):
        print(_nothing_found(session, args, targets), file=sys.stderr)
    return 1 if failed else 0


def _single(targets: list[Target]) -> bool:
    return len(targets) == 1 and len(targets[0].names) == 1


def fetch(
    session: Session, targets: list[Target], args: argparse.Namespace
) -> tuple[list[tuple[Target, list[Object]]], bool]:
    found, failed = [], False
    for target in targets:
        if target.names:
            objects = []
            for result in get_named(session, target.kind, target.names):
                if isinstance(result, dict):
                    objects.append(result)
                elif not (args.ignore_not_found and result.reason == "NotFound"):
                    report(result)
                    failed = True
            found.append((target, objects))
            continue
        namespace = None if args.all_namespaces else session.namespace
        params = {"labelSelector": args.selector, "fieldSelector": args.field_selector}
        items, _ = list_all(
            session, target.kind, namespace if target.kind.namespaced else None, params
        )
        found.append((target, items))
    return found, failed


def emit(
    found: list[tuple[Target, list[Object]]], output: Output, args: argparse.Namespace, single: bool
) -> None:
    if output.is_table:
        tables = [_table(t, objs, output, args) for t, objs in found if objs]
        sys.stdout.write("\n".join(tables))
    elif output.kind == "name":
        sys.stdout.writelines(object_name(t.kind, o) + "\n" for t, objs in found for o in objs)
    else:
        items = [o for _, objs in found for o in objs]
        if single and len(items) == 1:
            sys.stdout.write(render(items[0], output))
        elif items or not single:
            sys.stdout.write(render(as_list(items), output))


def _table(target: Target, objects: list[Object], output: Output, args: argparse.Namespace) -> str:
    options = TableOptions(
        wide=output.kind == "wide",
        namespace_column=args.all_namespaces,
        show_labels=args.show_labels,
        headers=not args.no_headers,
    )
    return format_table(table_rows(target.kind, objects, options))


def _nothing_found(session: Session, args: argparse.Namespace, targets: list[Target]) -> str:
    if args.all_namespaces or not any(t.kind.namespaced for t in targets):
        return "No resources found"
    return f"No resources found in {session.namespace} namespace."
