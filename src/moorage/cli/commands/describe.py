"""`moorage describe`: a readable page about one or more objects, with their events."""

import argparse
import sys
from typing import Any

from moorage.cli.client import ApiError
from moorage.cli.describers import describe
from moorage.cli.errors import CliError, report
from moorage.cli.options import add_command
from moorage.cli.resources import ResourceType
from moorage.cli.session import Session
from moorage.cli.targets import get_named, list_all, parse_targets
from moorage.resources.objects import Object


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        commands,
        "describe",
        "show details of objects and their events",
        "Show the details of TYPE NAME... (or TYPE/NAME, or every object of TYPE that\n"
        "the selector matches), with the events that involve each. Secret values are\n"
        "not shown, only their sizes.",
        common,
        "examples:\n  moorage describe project team-a\n  moorage describe secret/registry-creds",
    )
    parser.add_argument("resources", nargs="+", metavar="TYPE [NAME...]")
    parser.add_argument("-l", "--selector", default="", help="label selector")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    pages, failed = [], False
    for target in parse_targets(session, args.resources):
        if target.names:
            objects = []
            for result in get_named(session, target.kind, target.names):
                if isinstance(result, ApiError):
                    report(result)
                    failed = True
                else:
                    objects.append(result)
        else:
            namespace = session.namespace if target.kind.namespaced else None
            objects, _ = list_all(session, target.kind, namespace, {"labelSelector": args.selector})
        pages += [_page(session, target.kind, obj) for obj in objects]
    sys.stdout.write("\n\n".join(pages))
    return 1 if failed else 0


def _page(session: Session, kind: ResourceType, obj: Object) -> str:
    return describe(obj, kind.plural, kind.group, _events_about(session, obj))


def _events_about(session: Session, obj: Object) -> list[Object]:
    meta = obj.get("metadata") or {}
    try:
        events = session.resolve("events")
        items, _ = list_all(session, events, meta.get("namespace"), {})
    except CliError:  # events are a courtesy, never a failure
        return []
    return [
        e
        for e in items
        if (e.get("involvedObject") or {}).get("name") == meta.get("name")
        and (e.get("involvedObject") or {}).get("kind") == obj.get("kind")
    ]
