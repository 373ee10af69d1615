"""`moorage apply -f`: create what is missing, merge-patch what the file changed."""

import argparse
import sys
from typing import Any

from moorage.cli.client import MERGE, ApiError
from moorage.cli.commands.get import add_output_options
from moorage.cli.errors import CliError, report
from moorage.cli.locate import locate
from moorage.cli.manifests import read_manifests
from moorage.cli.merging import three_way, with_last_applied
from moorage.cli.options import add_command
from moorage.cli.printers import Output, parse_output, render
from moorage.cli.session import Session
from moorage.resources.objects import Object


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        commands,
        "apply",
        "create or update objects from files",
        "Make the objects in FILE exist as written: create those that do not, and\n"
        "merge-patch those that do with what changed since the last apply (recorded\n"
        "in the kubectl.kubernetes.io/last-applied-configuration annotation, as kubectl\n"
        "does), leaving fields set by others alone.",
        common,
        "examples:\n  moorage apply -f registry.yaml\n  cat stream.yaml | moorage apply -f -",
    )
    parser.add_argument("-f", "--filename", action="append", required=True, metavar="FILE")
    add_output_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    output = parse_output(args.output, args.template)
    failed = False
    for obj in read_manifests(args.filename):
        try:
            apply_one(session, obj, output)
        except CliError as exc:
            report(exc)
            failed = True
    return 1 if failed else 0


def apply_one(session: Session, obj: Object, output: Output) -> None:
    where = locate(session, obj)
    desired = with_last_applied(obj)
    try:
        live = session.client.get(where.path())
    except ApiError as exc:
        if exc.status_code != 404:
            raise
        _show(where.ref, "created", session.client.create(where.path(False), desired), output)
        return
    patch = three_way(desired, live)
    if not patch:
        _show(where.ref, "unchanged", live, output)
        return
    _show(where.ref, "configured", session.client.patch(where.path(), patch, MERGE), output)


def _show(ref: str, verb: str, obj: Object, output: Output) -> None:
    if output.kind == "table":
        print(f"{ref} {verb}")
    elif output.kind == "name":
        print(ref)
    else:
        sys.stdout.write(render(obj, output))
