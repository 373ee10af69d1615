"""`moorage auth can-i VERB RESOURCE [NAME]`: may I? `yes` (exit 0) or `no` (exit 1)."""

import argparse
from typing import Any

from moorage.cli.options import add_command
from moorage.cli.reviews import SELF_REVIEWS, resolve_action, self_review
from moorage.cli.session import Session

DESCRIPTION = """Ask the server whether you may do VERB on RESOURCE (a SelfSubjectAccessReview),
as `kubectl auth can-i` does: it prints yes and exits 0, or prints no (with the
server's reason, if it gives one) and exits 1. RESOURCE is a type as `get`
takes it (imagestreams, is, imagestreams.image.openshift.io), with /SUBRESOURCE
for a subresource (imagestreams/layers: the image stream's blobs in the
registry); NAME narrows it to one object; a path starting with / asks about a
non-resource URL. With --as (and --as-group), ask on someone else's behalf:
what may they do? That takes the permission to impersonate."""
EXAMPLES = """examples:
  moorage auth can-i create imagestreams
  moorage auth can-i get imagestreams/layers -n myproject    # may I pull?
  moorage auth can-i update imagestreams/layers -n myproject  # may I push?
  moorage auth can-i get imagestreams/layers app --as alice
  moorage auth can-i '*' '*' --all-namespaces
  moorage auth can-i get /metrics"""


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    auth = add_command(
        commands,
        "auth",
        "inspect authorization",
        "Inspect authorization: `can-i` asks whether you may do something.",
        common,
        "example:\n  moorage auth can-i update imagestreams/layers",
    )
    actions = auth.add_subparsers(dest="action", metavar="can-i", required=True)
    can_i = add_command(
        actions, "can-i", "check whether an action is allowed", DESCRIPTION, common, EXAMPLES
    )
    can_i.add_argument("verb", metavar="VERB")
    can_i.add_argument("resource", metavar="RESOURCE")
    can_i.add_argument("name", nargs="?", default="", metavar="NAME")
    can_i.add_argument(
        "-A", "--all-namespaces", action="store_true", help="may I in every namespace?"
    )
    can_i.add_argument("--subresource", default="", help="the subresource, e.g. layers")
    can_i.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing: the exit status answers"
    )
    can_i.set_defaults(func=run_can_i)


def run_can_i(args: argparse.Namespace) -> int:
    session = Session(args)
    action = resolve_action(session, args.verb, args.resource, args.name, args.subresource)
    namespace = None if args.all_namespaces else session.namespace
    status = session.client.create(SELF_REVIEWS, self_review(action, namespace)).get("status")
    status = status or {}
    allowed = status.get("allowed") is True
    if not args.quiet:
        print(_answer(allowed, status))
    return 0 if allowed else 1


def _answer(allowed: bool, status: dict[str, Any]) -> str:
    """`yes`, or `no` followed by the reason and evaluation error the server gives."""
    if allowed:
        return "yes"
    why = [str(status[key]) for key in ("reason", "evaluationError") if status.get(key)]
    return " - ".join(["no", *why])
