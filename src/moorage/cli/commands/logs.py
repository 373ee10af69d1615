"""`moorage logs`: print a pod's log, or the log of one of a deployment's or a job's pods."""

import argparse
import sys
from typing import Any

from moorage.cli.durations import parse_duration
from moorage.cli.errors import CliError
from moorage.cli.options import add_command
from moorage.cli.session import Session
from moorage.resources.objects import Object

DESCRIPTION = """Print the log of a pod (POD or pod/POD), or of one of a deployment's pods
(deployment/NAME) or a job's (job/NAME): the first ready one, as oc chooses. With -f, go
on printing each line as it is written, until interrupted or the pod is gone."""
SELECTING = (("apps", "deployments"), ("batch", "jobs"))  # kinds whose pods a selector names
EXAMPLES = """examples:
  moorage logs deployments/image-registry -n openshift-image-registry
  moorage logs -f --tail 20 deployment/image-registry -n openshift-image-registry
  moorage logs --timestamps --since 5m image-registry-6b7d9c1e4a-x2k9p
  moorage logs -p image-registry-6b7d9c1e4a-x2k9p   # why did it restart?
  moorage logs job/image-pruner-29433600 -n openshift-image-registry"""


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(commands, "logs", "print the log of a pod", DESCRIPTION, common, EXAMPLES)
    parser.add_argument("target", metavar="POD | TYPE/NAME")
    parser.add_argument(
        "-f", "--follow", action="store_true", help="go on printing lines as they are written"
    )
    parser.add_argument(
        "--tail", type=int, default=-1, help="only the last N lines (-1: all, the default)"
    )
    parser.add_argument(
        "--timestamps", action="store_true", help="each line after the time it was written"
    )
    parser.add_argument("--since", default=None, help="only lines newer than this, e.g. 5s, 2m")
    parser.add_argument(
        "-p",
        "--previous",
        action="store_true",
        help="the log of the pod's previous instance, the one that ended (after a restart)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    params = _params(args)
    pod = _pod(session, args.target)
    for chunk in session.client.stream(
        f"/api/v1/namespaces/{session.namespace}/pods/{pod}/log", params
    ):
        sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
    return 0


def _params(args: argparse.Namespace) -> dict[str, str]:
    params = {}
    if args.follow:
        params["follow"] = "true"
    if args.timestamps:
        params["timestamps"] = "true"
    if args.previous:
        params["previous"] = "true"
    if args.tail >= 0:
        params["tailLines"] = str(args.tail)
    if args.since is not None:
        params["sinceSeconds"] = str(parse_duration(args.since))
    return params


def _pod(session: Session, target: str) -> str:
    """The pod whose log `target` means."""
    typed, slash, name = target.rpartition("/")
    if not slash:
        return target
    if not typed or not name:
        raise CliError(f"expected POD or TYPE/NAME, got {target!r}")
    kind = session.resolve(typed)
    if (kind.group, kind.plural) == ("", "pods"):
        return name
    if (kind.group, kind.plural) not in SELECTING:
        raise CliError(
            f"cannot get the logs of {kind.qualified}: only pods, deployments and jobs log"
        )
    owner = session.client.get(kind.path(session.namespace, name))
    return _chosen(session, owner, kind.plural)


def _chosen(session: Session, owner: Object, plural: str) -> str:
    """One of the pods a deployment or job selects."""
    labels = ((owner.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{key}={value}" for key, value in sorted(labels.items()))
    namespace = session.namespace
    found = session.client.get(f"/api/v1/namespaces/{namespace}/pods", {"labelSelector": selector})
    pods = found.get("items") or []
    name = owner["metadata"]["name"]
    if not pods:
        raise CliError(f"{plural}/{name} has no pods in the namespace {namespace!r}")
    chosen = min(pods, key=_logging_order)["metadata"]["name"]
    if len(pods) > 1:
        print(f"Found {len(pods)} pods, using pod/{chosen}", file=sys.stderr)
    return str(chosen)


def _logging_order(pod: Object) -> tuple[bool, bool, str, str]:
    """oc's order: ready before not ready, running before not, the longest running first."""
    status = pod.get("status") or {}
    containers = status.get("containerStatuses") or [{}]
    running = (containers[0].get("state") or {}).get("running") or {}
    return (
        not all(c.get("ready") for c in containers),
        status.get("phase") != "Running",
        str(running.get("startedAt") or "~"),  # "~" sorts after every time
        str(pod["metadata"]["name"]),
    )
