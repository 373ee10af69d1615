"""`moorage import-image NAME[:TAG]`: import images from another registry into a stream, as
`oc import-image` does, and print the stream as `describe is` shows it."""

import argparse
import sys
from typing import Any

from moorage.cli.client import ApiError
from moorage.cli.describe_streams import describe_stream
from moorage.cli.errors import CliError
from moorage.cli.options import add_command
from moorage.cli.session import Session
from moorage.resources.objects import Object

STREAMS = "/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreams"
IMPORTS = "/apis/image.openshift.io/v1/namespaces/{namespace}/imagestreamimports"


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        commands,
        "import-image",
        "import images from another registry into an image stream",
        "Import the image NAME:TAG is tagged from (default tag: latest), or --from an\n"
        "image REGISTRY/REPO[:TAG], into the stream NAME; --confirm creates a missing\n"
        "stream; --all imports every tag of the repository (at most 50). Without a tag,\n"
        "every tag of the stream that names another registry's image is imported again.\n"
        "Credentials come from the project's docker-registry secrets.",
        common,
        "examples:\n  moorage import-image app --from=quay.io/team/app:v1 --confirm\n"
        "  moorage import-image app:v1\n  moorage import-image app --all "
        "--from=registry.example.com:5000/team/app --confirm --insecure",
    )
    parser.add_argument("name", metavar="NAME[:TAG]")
    parser.add_argument("--from", dest="source", help="the image (or, with --all, repository)")
    parser.add_argument("--confirm", action="store_true", help="create the stream if missing")
    parser.add_argument("--all", action="store_true", help="import every tag of the repository")
    parser.add_argument("--insecure", action="store_true", help="allow HTTP and unchecked TLS")
    parser.add_argument("--scheduled", action="store_true", help="mark the tags scheduled")
    parser.add_argument(
        "--reference-policy", choices=["source", "local"], default="source", type=str.lower
    )
    parser.add_argument("--import-mode", choices=["Legacy", "PreserveOriginal"], default="Legacy")
    parser.add_argument("--dry-run", action="store_true", help="fetch, but change nothing")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    session = Session(args)
    name, tag = _split(args.name)
    stream = _existing(session, name)
    if stream is None and not args.confirm:
        raise CliError(
            f'no image stream named "{name}" exists, pass --confirm to create and import'
        )
    body = _request(args, name, tag, stream)
    answer = session.client.create(IMPORTS.format(namespace=session.namespace), body)
    return _report(args, name, answer)


def _split(text: str) -> tuple[str, str | None]:
    if "@" in text:
        raise CliError("to import images by ID, use the 'tag' command")
    name, _, tag = text.partition(":")
    return name, tag or None


def _existing(session: Session, name: str) -> Object | None:
    try:
        return session.client.get(f"{STREAMS.format(namespace=session.namespace)}/{name}")
    except ApiError as exc:
        if exc.reason == "NotFound":
            return None
        raise


def _request(args: argparse.Namespace, name: str, tag: str | None, stream: Object | None) -> Object:
    spec: Object = {"import": not args.dry_run}
    if args.all:
        spec["repository"] = _entry(args, args.source or _repository(name, stream), False)
    else:
        spec["images"] = [
            {**_entry(args, source, insecure), "to": {"name": to}}
            for to, source, insecure in _sources(args, name, tag, stream)
        ]
    return {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStreamImport",
        "metadata": {"name": name},
        "spec": spec,
    }


def _repository(name: str, stream: Object | None) -> str:
    found = ((stream or {}).get("spec") or {}).get("dockerImageRepository")
    return found or name


def _sources(
    args: argparse.Namespace, name: str, tag: str | None, stream: Object | None
) -> list[tuple[str, str, bool]]:
    """(tag, DockerImage, insecure as the stream's tag says) for each image to import."""
    if args.source:
        return [(tag or "latest", args.source, False)]
    if stream is None:
        return [(tag or "latest", name if tag is None else f"{name}:{tag}", False)]
    external = {
        t["name"]: (t["from"]["name"], bool((t.get("importPolicy") or {}).get("insecure")))
        for t in (stream.get("spec") or {}).get("tags") or []
        if (t.get("from") or {}).get("kind") == "DockerImage"
    }
    if tag is not None:
        if tag not in external:
            raise CliError(
                f'the tag "{tag}" does not exist on the image stream - choose an existing tag '
                "to import or use the 'tag' command to create a new tag"
            )
        return [(tag, *external[tag])]
    if not external:
        raise CliError(
            f'image stream "{name}" does not have tags pointing to external container images'
        )
    return [(t, *found) for t, found in sorted(external.items())]


def _entry(args: argparse.Namespace, source: str, insecure: bool) -> Object:
    policy: Object = {"importMode": args.import_mode}
    if args.insecure or insecure:
        policy["insecure"] = True
    if args.scheduled:
        policy["scheduled"] = True
    return {
        "from": {"kind": "DockerImage", "name": source},
        "importPolicy": policy,
        "referencePolicy": {"type": args.reference_policy.capitalize()},
    }


def _report(args: argparse.Namespace, name: str, answer: Object) -> int:
    """oc's output: the stream as describe shows it, then one error line if a tag failed."""
    status = answer.get("status") or {}
    repository = status.get("repository") or {}
    results = (status.get("images") or []) + (repository.get("images") or [])
    print(f"imagestream.image.openshift.io/{name} imported{' (dry run)' if args.dry_run else ''}\n")
    if status.get("import"):
        print("\n".join(describe_stream(status["import"])))
    left = repository.get("additionalTags") or []
    if left:
        print(
            f"\ninfo: The remote repository contained {len(left)} additional tags which were "
            "not imported: " + ", ".join(left)
        )
    if args.dry_run:
        for result in results:
            if "image" in result:
                print(f"{result.get('tag', '')}: {result['image']['dockerImageReference']}")
    failures = [_failure(r) for r in results if "image" not in r]
    if (repository.get("status") or {}).get("status") == "Failure":
        failures.append(repository["status"].get("message", ""))
    if failures:
        print(f"error: {failures[0]}", file=sys.stderr)
        return 1
    return 0


def _failure(result: Object) -> str:
    tag = result.get("tag")
    message = (result.get("status") or {}).get("message", "")
    return f"tag {tag} failed: {message}" if tag else message
