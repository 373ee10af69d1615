"""`moorage edit`: the object in $EDITOR, saved back with PUT; conflicts are reported."""

import argparse
import json
from pathlib import Path
from typing import Any

from moorage.cli import yamlio
from moorage.cli.client import ApiError
from moorage.cli.editor import edit_text
from moorage.cli.errors import CliError, report
from moorage.cli.manifests import parse_documents
from moorage.cli.options import add_command
from moorage.cli.printers import as_list
from moorage.cli.resources import ResourceType
from moorage.cli.session import Session
from moorage.cli.targets import get_named, list_all, parse_targets
from moorage.resources.objects import Object

Key = tuple[str, str, str]


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        commands,
        "edit",
        "edit objects in your editor and save them back",
        "Open TYPE NAME (or TYPE/NAME, or every object of TYPE) in $KUBE_EDITOR or\n"
        "$EDITOR (default vi) as YAML, and save what you change with an update. If the\n"
        "object changed on the server meanwhile, the update is refused (Conflict) and\n"
        "your edited copy is kept for you to apply again.",
        common,
        "examples:\n  moorage edit configs.imageregistry.operator.openshift.io/cluster\n"
        "  EDITOR=nano moorage edit configmap registry-config -n openshift-config",
    )
    parser.add_argument("resources", nargs="+", metavar="TYPE [NAME] | TYPE/NAME")
    parser.add_argument(
        "-o", "--output", default="yaml", choices=["yaml", "json"], help="the format to edit in"
    )
    parser.set_defaults(func=run)


def _key(obj: Object) -> Key:
    meta = obj.get("metadata") or {}
    return str(obj.get("kind")), str(meta.get("namespace") or ""), str(meta.get("name"))


def _fetch(session: Session, args: argparse.Namespace) -> list[tuple[ResourceType, Object]]:
    found: list[tuple[ResourceType, Object]] = []
    for target in parse_targets(session, args.resources):
        if target.names:
            for result in get_named(session, target.kind, target.names):
                if isinstance(result, ApiError):
                    raise result
                found.append((target.kind, result))
        else:
            namespace = session.namespace if target.kind.namespaced else None
            items, _ = list_all(session, target.kind, namespace, {})
            found += [(target.kind, item) for item in items]
    if not found:
        raise CliError("nothing to edit: no objects found")
    return found


def _serialize(objects: list[Object], fmt: str) -> str:
    doc = objects[0] if len(objects) == 1 else as_list(objects)
    return yamlio.dump(doc) if fmt == "yaml" else json.dumps(doc, indent=4) + "\n"


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    found = _fetch(session, args)
    originals = {_key(obj): (kind, obj) for kind, obj in found}
    text = _serialize([obj for _, obj in found], args.output)
    edited, path = edit_text(text, f".{args.output}")
    if not edited.strip():
        path.unlink(missing_ok=True)
        print("Edit cancelled, saved file was empty.")
        return 0
    try:
        changed = _changed(parse_documents(str(path), edited), originals)
    except CliError as exc:
        raise CliError(f"{exc}; your changes are kept in {path}") from None
    if not changed:
        path.unlink(missing_ok=True)
        print("Edit cancelled, no changes made.")
        return 0
    return _save(session, changed, path)


def _changed(
    objects: list[Object], originals: dict[Key, tuple[ResourceType, Object]]
) -> list[tuple[ResourceType, Object]]:
    out = []
    for obj in objects:
        key = _key(obj)
        if key not in originals:
            raise CliError(
                f"{key[0]} {key[2]!r} is not one of the objects being edited: "
                "the kind, namespace and name cannot be changed"
            )
        kind, original = originals[key]
        if obj != original:
            out.append((kind, obj))
    return out


def _save(session: Session, changed: list[tuple[ResourceType, Object]], path: Path) -> int:
    failed = False
    for kind, obj in changed:
        meta = obj["metadata"]
        try:
            session.client.replace(kind.path(meta.get("namespace"), meta["name"]), obj)
            print(f"{kind.ref}/{meta['name']} edited")
        except ApiError as exc:
            report(CliError(_explain(exc, kind, meta["name"], path)))
            failed = True
    if not failed:
        path.unlink(missing_ok=True)
    return 1 if failed else 0


def _explain(exc: ApiError, kind: ResourceType, name: str, path: Path) -> str:
    if exc.reason == "Conflict":
        return (
            f"Conflict: {kind.ref}/{name} changed on the server while you edited it, so your "
            f"edit was not saved ({exc.message}); your version is kept in {path}"
        )
    return f"{kind.ref}/{name} was not saved: {exc}; your changes are kept in {path}"
