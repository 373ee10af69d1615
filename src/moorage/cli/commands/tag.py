"""`moorage tag SOURCE DEST...`: point image stream tags at an image, as `oc tag` does."""

import argparse
from dataclasses import dataclass
from typing import Any

from moorage.cli.client import ApiError
from moorage.cli.errors import CliError, report
from moorage.cli.options import add_command
from moorage.cli.session import Session

ISTAGS = "/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreamtags"


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
        "new tags at once; a DEST stream that does not exist is created. With -d,\n"
        "delete the tags named instead.",
        common,
        "examples:\n  moorage tag myproject/app:v1 myproject/app:stable\n"
        "  moorage tag app@sha256:4f1c... release:1.0\n  moorage tag -d app:stable",
    )
    parser.add_argument("refs", nargs="+", metavar="SOURCE DEST...")
    parser.add_argument("-d", "--delete", action="store_true", help="delete the tags named")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    refs = [parse_ref(text, session.namespace) for text in args.refs]
    if args.delete:
        return _delete(session, refs)
    if len(refs) < 2:
        raise CliError("give a SOURCE and at least one DEST (or -d to delete tags)")
    source, destinations = refs[0], refs[1:]
    origin = _origin(source)
    failed = False
    for dest in destinations:
        if dest.tag is None:
            raise CliError(f"{dest.stream}: a destination must be STREAM:TAG")
        body = {
            "apiVersion": "image.openshift.io/v1",
            "kind": "ImageStreamTag",
            "metadata": {"name": dest.istag, "namespace": dest.namespace},
            "tag": {"name": dest.tag, "from": origin},
        }
        try:
            session.client.create(ISTAGS.format(namespace=dest.namespace), body)
        except ApiError as exc:
            report(exc)
            failed = True
            continue
        print(f"Tag {dest.istag} set to {_describe(source)}.")
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
