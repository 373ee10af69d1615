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

PATH = "/apis/image.openshift.io/v1/imageprunes"
DESCRIPTION = """Remove images no longer needed: tag history beyond --keep-tag-revisions
revisions and older than --keep-younger-than, then (across the cluster, when no
--namespace is given) images no tag served and older than that. Never an image a tag
serves now, nor one an index that stays references. With --prune-registry (the default)
the repositories' links to what goes are removed too, and the registry's garbage collector
frees the bytes once unused for its grace period (moorage serve --gc-grace). Only shows
what it would delete unless --confirm. Needs cluster-wide rights (system:image-pruner)."""
DRY_RUN = "Dry run enabled - no modifications will be made. Add --confirm to remove images"
API_ONLY = "Only API objects will be removed.  No modifications to the image registry will be made."
LINES = {
    "TagItem": "Deleting tag history item {digest} of {repository}:{tag}",
    "ManifestLink": "Deleting manifest link {digest} in repository {repository}",
    "LayerLink": "Deleting layer link {digest} in repository {repository}",
    "Blob": "Deleting blob {digest} ({size} bytes)",
    "Image": "Deleting image {digest}",
}


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
    session = Session(args)
    try:
        answer = session.client.create(PATH, {"kind": "ImagePrune", "spec": spec})
    finally:
        session.close()
    _report(answer["status"], args)
    return 0


def _report(status: Object, args: argparse.Namespace) -> None:
    if not args.confirm:
        print(DRY_RUN)
    if not args.prune_registry:
        print(API_ONLY)
    for deleted in status["deleted"]:
        print(LINES[deleted["kind"]].format_map({"repository": "", "tag": "", **deleted}))
    summary = status["summary"]
    print(
        f"Summary: deleted {summary['images']} image object(s), "
        f"deleted {summary['tagItems']} image stream tag item(s), "
        f"updated {summary['imageStreams']} image stream(s), "
        f"deleted {summary['layerLinks']} layer link(s), "
        f"deleted {summary['manifestLinks']} manifest link(s), "
        f"deleted {summary['blobs']} blob(s)"
    )
    if summary["blobs"]:
        freeing = "Freeing" if args.confirm else "Would free"
        print(
            f"{freeing} {summary['blobBytes']} bytes: blobs no repository links are deleted by "
            "the registry's garbage collector once unused for its grace period "
            "(moorage serve --gc-grace)"
        )
