"""`moorage delete TYPE NAME... | TYPE/NAME... | -f FILE | TYPE --all | TYPE -l SELECTOR`."""

import argparse
from typing import Any

from moorage.cli.client import ApiError
from moorage.cli.errors import CliError, report
from moorage.cli.locate import Located, locate
from moorage.cli.manifests import read_manifests
from moorage.cli.options import add_command
from moorage.cli.session import Session
from moorage.cli.targets import list_all, namespace_for, parse_targets


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        commands,
        "delete",
        "delete objects by name, selector or file",
        "Delete TYPE NAME..., TYPE/NAME..., the objects in -f FILE, or every object of\n"
        "TYPE (--all) or those the selector matches (-l). Deleting a project deletes\n"
        "everything in it.",
        common,
        "examples:\n  moorage delete secret my-secret -n openshift-image-registry\n"
        "  moorage delete -f registry.yaml\n  moorage delete configmaps -l app=registry",
    )
    parser.add_argument("resources", nargs="*", metavar="TYPE [NAME...] | TYPE/NAME")
    parser.add_argument("-f", "--filename", action="append", default=[], metavar="FILE")
    parser.add_argument(
        "-l", "--selector", default="", help="delete the objects this label selector matches"
    )
    parser.add_argument(
        "--all", action="store_true", help="delete every object of TYPE in the namespace"
    )
    parser.add_argument(
        "--ignore-not-found", action="store_true", help="no error for objects already gone"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    if args.filename and args.resources:
        raise CliError("give either -f FILE or TYPE NAME, not both")
    doomed = _from_files(session, args.filename) if args.filename else _from_args(session, args)
    failed = False
    for where in doomed:
        try:
            session.client.delete(where.path())
            print(f'{where.kind.ref} "{where.name}" deleted')
        except ApiError as exc:
            if not (args.ignore_not_found and exc.status_code == 404):
                report(exc)
                failed = True
    return 1 if failed else 0


def _from_files(session: Session, files: list[str]) -> list[Located]:
    return [locate(session, obj) for obj in read_manifests(files)]


def _from_args(session: Session, args: argparse.Namespace) -> list[Located]:
    if not args.resources:
        raise CliError("you must specify what to delete: TYPE NAME, TYPE/NAME or -f FILE")
    doomed: list[Located] = []
    for target in parse_targets(session, args.resources):
        namespace = namespace_for(session, target.kind)
        names = target.names
        if not names:
            if not (args.all or args.selector):
                raise CliError(
                    f"no name given for {target.kind.plural}: give a name, --all or -l SELECTOR"
                )
            items, _ = list_all(session, target.kind, namespace, {"labelSelector": args.selector})
            names = [item["metadata"]["name"] for item in items]
        doomed += [Located(target.kind, namespace, name) for name in names]
    return doomed
