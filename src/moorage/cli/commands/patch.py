"""`moorage patch TYPE/NAME|TYPE NAME --type merge|json|strategic -p PATCH`."""

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from moorage.cli.client import JSON_PATCH, MERGE, STRATEGIC
from moorage.cli.commands.get import add_output_options
from moorage.cli.errors import CliError
from moorage.cli.options import add_command
from moorage.cli.printers import parse_output, render
from moorage.cli.session import Session
from moorage.cli.targets import namespace_for, parse_targets

CONTENT_TYPES = {"merge": MERGE, "json": JSON_PATCH, "strategic": STRATEGIC}
EXAMPLES = """examples:
  moorage patch configs.imageregistry.operator.openshift.io/cluster --type merge \\
      -p '{"spec": {"defaultRoute": true}}'
  moorage patch secret mysecret --type json -p '[{"op": "remove", "path": "/data/old"}]'"""


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        commands,
        "patch",
        "change fields of an object with a merge or JSON patch",
        "Patch one object: --type merge (RFC 7386), json (RFC 6902) or strategic (the\n"
        "default; merged as a merge patch). The patch may be JSON or YAML.",
        common,
        EXAMPLES,
    )
    parser.add_argument("resources", nargs="+", metavar="TYPE/NAME | TYPE NAME")
    parser.add_argument(
        "--type", default="strategic", choices=sorted(CONTENT_TYPES), help="the patch's kind"
    )
    parser.add_argument("-p", "--patch", help="the patch, as JSON or YAML")
    parser.add_argument("--patch-file", metavar="PATH", help="read the patch from a file")
    add_output_options(parser)
    parser.set_defaults(func=run)


def read_patch(args: argparse.Namespace) -> Any:
    if args.patch is not None and args.patch_file:
        raise CliError("give either --patch or --patch-file, not both")
    text = args.patch
    if args.patch_file:
        try:
            text = Path(args.patch_file).read_text()
        except OSError as exc:
            raise CliError(f"cannot read {args.patch_file}: {exc.strerror or exc}") from None
    if text is None:
        raise CliError("a patch is required: -p PATCH or --patch-file PATH")
    try:
        patch = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CliError(f"the patch is neither JSON nor YAML: {str(exc).splitlines()[0]}") from None
    expected = list if args.type == "json" else dict
    if not isinstance(patch, expected):
        what = "a JSON array of operations" if args.type == "json" else "an object"
        raise CliError(f"a {args.type} patch must be {what}")
    return patch


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    targets = parse_targets(session, args.resources, need_names=True)
    if len(targets) != 1 or len(targets[0].names) != 1:
        raise CliError("patch takes exactly one object: TYPE/NAME or TYPE NAME")
    patch = read_patch(args)
    kind, name = targets[0].kind, targets[0].names[0]
    path = kind.path(namespace_for(session, kind), name)
    before = session.client.get(path)
    after = session.client.patch(path, patch, CONTENT_TYPES[args.type])
    output = parse_output(args.output, args.template)
    if output.kind == "table":
        unchanged = _version(before) == _version(after)
        print(f"{kind.ref}/{name} {'patched (no change)' if unchanged else 'patched'}")
    elif output.kind == "name":
        print(f"{kind.ref}/{name}")
    else:
        sys.stdout.write(render(after, output))
    return 0


def _version(obj: dict[str, Any]) -> Any:
    return (obj.get("metadata") or {}).get("resourceVersion")
