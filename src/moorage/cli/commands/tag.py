"""`moorage tag SOURCE DEST...`: point image stream tags at an image, as `oc tag` does."""

import argparse
from dataclasses import dataclass
from typing import Any

from moorage.cli.client import ApiError
from moorage.cli.errors import CliError, report
from moorage.cli.options import add_command
from moorage.cli.session import Session

ISTAGS = "/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreamtags"
DELETED = "/apis/image.openshift.io/v1/namespaces/{namespace}/deletedimagestreamtags"


@dataclass(frozen=True)
class StreamRef:
    namespace: str
    stream: str
    tag: str | None = None
    digest: str | None = None

    @property
    def istag(self) -> str:
        return f"{self.stream}:{self.tag}"


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        commands,
        "tag",
        "tag an image into image streams",
        "Point each DEST tag ([PROJECT/]STREAM:TAG) at the image SOURCE names now\n"
        "([PROJECT/]STREAM:TAG or [PROJECT/]STREAM@DIGEST). The registry serves the\n"
        "new tags at once; a DEST stream that does not exist is created. A SOURCE in\n"
        "another registry (REGISTRY/REPO:TAG, or --source=docker) is imported. With -d,\n"
        "delete the tags named instead; with --restore, point each tag named back at the\n"
        "image it served when it was deleted (within the server's --tag-restore-window;\n"
        "`moorage get deletedimagestreamtags` lists them).",
        common,
        "examples:\n  moorage tag myproject/app:v1 myproject/app:stable\n"
        "  moorage tag app@sha256:4f1c... release:1.0\n  moorage tag -d app:stable\n"
        "  moorage tag --restore app:stable\n"
        "  moorage tag quay.io/team/app:v1 app:v1",
    )
    parser.add_argument("refs", nargs="+", metavar="SOURCE DEST...")
    parser.add_argument("-d", "--delete", action="store_true", help="delete the tags named")
    parser.add_argument("--restore", action="store_true", help="bring back the deleted tags named")
    parser.add_argument(
        "--source",
        choices=["imagestreamtag", "imagestreamimage", "docker"],
        help="what SOURCE is (default: guessed from its shape)",
    )
    parser.add_argument("--insecure", action="store_true", help="import over HTTP if need be")
    parser.add_argument("--scheduled", action="store_true", help="mark the tags scheduled")
    parser.add_argument(
        "--reference-policy", choices=["source", "local"], default="source", type=str.lower
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    if args.delete and args.restore:
        raise CliError("-d and --restore cannot be used together")
    if args.delete or args.restore:
        named = [parse_ref(text, session.namespace) for text in args.refs]
        return _delete(session, named) if args.delete else _restore(session, named)
    if len(args.refs) < 2:
        raise CliError("give a SOURCE and at least one DEST (or -d to delete tags)")
    origin, described = _source(args, args.refs[0], session.namespace)
    destinations = [parse_ref(text, session.namespace) for text in args.refs[1:]]
    failed = False
    for dest in destinations:
        if dest.tag is None:
            raise CliError(f"{dest.stream}: a destination must be STREAM:TAG")
        if _set(session, dest, {"from": origin, **_policies(args, origin)}):
            print(f"Tag {dest.istag} set to {described}.")
        else:
            failed = True
    return 1 if failed else 0


def _set(session: Session, dest: StreamRef, tag: dict[str, Any]) -> bool:
    body = {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStreamTag",
        "metadata": {"name": dest.istag, "namespace": dest.namespace},
        "tag": {"name": dest.tag, **tag},
    }
    try:
        session.client.create(ISTAGS.format(namespace=dest.namespace), body)
    except ApiError as exc:
        report(exc)
        return False
    return True


def _restore(session: Session, refs: list[StreamRef]) -> int:
    """Tag each deleted tag's image again, as `tag STREAM@DIGEST STREAM:TAG` would."""
    failed = False
    for ref in refs:
        if ref.tag is None:
            raise CliError(f"{ref.stream}: name the tag to restore as STREAM:TAG")
        try:
            deleted = session.client.get(f"{DELETED.format(namespace=ref.namespace)}/{ref.istag}")
        except ApiError as exc:
            report(exc)
            failed = True
            continue
        image = StreamRef(ref.namespace, ref.stream, digest=deleted["image"])
        if _set(session, ref, {"from": _origin(image)}):
            print(f"Tag {ref.namespace}/{ref.istag} restored to {deleted['image']}.")
        else:
            failed = True
    return 1 if failed else 0


def _delete(session: Session, refs: list[StreamRef]) -> int:
    failed = False
    for ref in refs:
        if ref.tag is None:
            raise CliError(f"{ref.stream}: name the tag to delete as STREAM:TAG")
        try:
            session.client.delete(f"{ISTAGS.format(namespace=ref.namespace)}/{ref.istag}")
            print(f"Deleted tag {ref.namespace}/{ref.istag}.")
        except ApiError as exc:
            report(exc)
            failed = True
    return 1 if failed else 0


def parse_ref(text: str, default_namespace: str) -> StreamRef:
    namespace, _, rest = text.rpartition("/")
    namespace = namespace or default_namespace
    if "/" in namespace:
        raise CliError(f"{text!r}: expected [PROJECT/]STREAM:TAG or [PROJECT/]STREAM@DIGEST")
    if "@" in rest:
        stream, _, digest = rest.partition("@")
        return StreamRef(namespace, stream, digest=digest)
    stream, found, tag = rest.partition(":")
    if not stream or (found and not tag):
        raise CliError(f"{text!r}: expected [PROJECT/]STREAM:TAG or [PROJECT/]STREAM@DIGEST")
    return StreamRef(namespace, stream, tag=tag or None)


def _source(args: argparse.Namespace, text: str, namespace: str) -> tuple[dict[str, str], str]:
    """The `from` of the new tags, and how the confirmation names it."""
    if args.source == "docker" or (args.source is None and is_docker_reference(text)):
        return {"kind": "DockerImage", "name": text}, text
    source = parse_ref(text, namespace)
    return _origin(source), _describe(source)


def is_docker_reference(text: str) -> bool:
    """Whether SOURCE names another registry's image: its first part is a host (a dot or a
    port in it, or localhost), which project names never are."""
    first, slash, _ = text.partition("/")
    return bool(slash) and ("." in first or ":" in first or first == "localhost")


def _policies(args: argparse.Namespace, origin: dict[str, str]) -> dict[str, Any]:
    if origin["kind"] != "DockerImage":
        return {}
    policy: dict[str, Any] = {}
    if args.insecure:
        policy["insecure"] = True
    if args.scheduled:
        policy["scheduled"] = True
    return {
        "importPolicy": policy,
        "referencePolicy": {"type": args.reference_policy.capitalize()},
    }


def _origin(source: StreamRef) -> dict[str, str]:
    if source.digest is not None:
        name, kind = f"{source.stream}@{source.digest}", "ImageStreamImage"
    elif source.tag is not None:
        name, kind = source.istag, "ImageStreamTag"
    else:
        raise CliError(f"{source.stream}: the source must be STREAM:TAG or STREAM@DIGEST")
    return {"kind": kind, "name": name, "namespace": source.namespace}


def _describe(source: StreamRef) -> str:
    return f"{source.namespace}/{source.stream}" + (
        f"@{source.digest}" if source.digest else f":{source.tag}"
    )
