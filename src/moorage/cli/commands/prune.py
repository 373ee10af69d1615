"""`moorage adm prune images`: delete old images, as `oc adm prune images` does.

The server prunes (an ImagePrune, created and answered at once): each stream in one
transaction beside live pushes. A dry run unless --confirm. Bytes are freed by the
registry's online garbage collector once the blobs have been unused for its grace.
"""

import argparse
from typing import Any

from moorage.cli.durations import parse_age
from moorage.cli.errors import CliError
from moorage.cli.options import add_command
from moorage.cli.session import Session
from moorage.resources.objects import Object
from moorage.resources.prune import report

PATH = "/apis/image.openshift.io/v1/imageprunes"
# The answer comes when the prune is done: minutes on a large registry (about 20 s for
# 4,000 images on PostgreSQL), beyond the 30 s other requests wait for.
TIMEOUT = 900.0
DESCRIPTION = """Remove images no longer needed: tag history beyond --keep-tag-revisions
revisions and older than --keep-younger-than, then (across the cluster, when no
--namespace is given) images no tag served and older than that. Never an image a tag
serves now, nor one an index that stays references. With --prune-registry (the default)
the repositories' links to what goes are removed too, and the registry's garbage collector
frees the bytes once unused for its grace period (moorage serve --gc-grace). Only shows
what it would delete unless --confirm. Needs cluster-wide rights (system:image-pruner)."""


def register(adm: Any, common: argparse.ArgumentParser) -> None:
    prune = add_command(
        adm, "prune", "remove old images", "Remove what is no longer needed.", common, ""
    )
    what = prune.add_subparsers(dest="prune_command", metavar="images", required=True)
    parser = add_command(
        what,
        "images",
        "remove old images and tag history",
        DESCRIPTION,
        common,
        "examples:\n  moorage adm prune images\n"
        "  moorage adm prune images --keep-tag-revisions=3 --keep-younger-than=60m --confirm",
    )
    parser.add_argument("--keep-tag-revisions", type=int, default=3, metavar="N")
    parser.add_argument("--keep-younger-than", default="60m", metavar="DURATION")
    for flag, default in (("--prune-registry", True), ("--confirm", False), ("--all", True)):
        parser.add_argument(flag, type=_boolean, nargs="?", const=True, default=default)
    parser.set_defaults(func=run)


def _boolean(text: str) -> bool:
    if text.lower() not in ("true", "false"):
        raise argparse.ArgumentTypeError(f"{text!r} is not true or false")
    return text.lower() == "true"


def run(args: argparse.Namespace) -> int:
    if args.keep_tag_revisions < 0:
        raise CliError("--keep-tag-revisions must be greater than or equal to 0")
    spec: Object = {
        "keepTagRevisions": args.keep_tag_revisions,
        "keepYoungerThanDuration": parse_age(args.keep_younger_than, "--keep-younger-than"),
        "pruneRegistry": args.prune_registry,
        "confirm": args.confirm,
        "all": args.all,
    }
    namespace = getattr(args, "namespace", None)
    if namespace:
        spec["namespace"] = namespace
    if getattr(args, "request_timeout", None) is None:
        args.request_timeout = TIMEOUT
    session = Session(args)
    try:
        answer = session.client.create(PATH, {"kind": "ImagePrune", "spec": spec})
    finally:
        session.close()
    for line in report(answer["status"], args.confirm, args.prune_registry):
        print(line)
    return 0
