"""`moorage create`: from files, and the generators secret, configmap, serviceaccount, quota,
token."""

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import Any

from moorage.cli.commands.get import add_output_options
from moorage.cli.errors import CliError, report
from moorage.cli.locate import locate
from moorage.cli.manifests import read_manifests
from moorage.cli.options import add_command
from moorage.cli.printers import Output, parse_output, render
from moorage.cli.session import Session
from moorage.cli.sources import collect
from moorage.cli.tokenrequest import add_token_parser
from moorage.resources.objects import Object

EXAMPLES = """examples:
  moorage create -f pvc.yaml -n openshift-image-registry
  cat role.yaml | moorage create -f -
  moorage create secret generic image-registry-private-configuration-user \\
      --from-literal=KEY1=value1 --from-file=KEY2=key.json -n openshift-image-registry
  moorage create secret tls public-route-tls --cert=tls.crt --key=tls.key
  moorage create secret docker-registry pull --docker-server=quay.io \\
      --docker-username=robot --docker-password=secret
  moorage create configmap registry-config \\
      --from-file=registry.example.com=ca.crt -n openshift-config
  moorage create serviceaccount pusher
  moorage create quota images \\
      --hard=openshift.io/imagestreams=10,openshift.io/imagestreams.storage=5Gi
  moorage create token pusher --duration 30m"""


def register(commands: Any, common: argparse.ArgumentParser) -> None:
    parser = add_command(
        commands,
        "create",
        "create objects from files or from the command line",
        "Create the objects in FILE (YAML or JSON, several documents, List kinds; - for\n"
        "standard input; a directory for its .yaml/.yml/.json files), a secret or\n"
        "config map from literals and files, a service account, or a token for one.",
        common,
        EXAMPLES,
    )
    parser.add_argument("-f", "--filename", action="append", default=[], metavar="FILE")
    _write_options(parser)
    parser.set_defaults(func=run_files)
    kinds = parser.add_subparsers(
        dest="generator", metavar="secret|configmap|serviceaccount|quota|token"
    )
    secret = kinds.add_parser(
        "secret",
        help="create a secret",
        description="Create a secret: generic, tls or docker-registry.",
        parents=[common],
    )
    variants = secret.add_subparsers(
        dest="variant", metavar="generic|tls|docker-registry", required=True
    )
    _generic_secret(variants, common)
    _tls_secret(variants, common)
    _docker_registry_secret(variants, common)
    configmap = kinds.add_parser(
        "configmap",
        aliases=["cm"],
        parents=[common],
        help="create a config map",
        description="Create a config map from literals, files (the key defaults to the file's\n"
        "name) and env files. Files that are not UTF-8 go to binaryData.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    configmap.add_argument("name", metavar="NAME")
    _data_options(configmap)
    _write_options(configmap)
    configmap.set_defaults(func=run_configmap)
    _serviceaccount(kinds, common)
    _quota(kinds, common)
    add_token_parser(kinds, common)


def _serviceaccount(kinds: Any, common: argparse.ArgumentParser) -> None:
    account = kinds.add_parser(
        "serviceaccount",
        aliases=["sa"],
        parents=[common],
        help="create a service account",
        description="Create a service account in the namespace: an identity for programs,\n"
        "system:serviceaccount:NAMESPACE:NAME, that roles are bound to with\n"
        "`moorage policy add-role-to-user ROLE -z NAME` and tokens requested for with\n"
        "`moorage create token NAME`.",
        epilog="example:\n  moorage create serviceaccount pusher -n myproject",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    account.add_argument("name", metavar="NAME")
    _write_options(account)
    account.set_defaults(func=run_serviceaccount)


def _quota(kinds: Any, common: argparse.ArgumentParser) -> None:
    quota = kinds.add_parser(
        "quota",
        aliases=["resourcequota"],
        parents=[common],
        help="create a resource quota",
        description="Create a ResourceQuota in the namespace: what its image streams may hold\n"
        "(openshift.io/imagestreams, openshift.io/images, openshift.io/image-tags, and the\n"
        "bytes of their layers, openshift.io/imagestreams.storage). Pushes and API writes\n"
        "that would exceed it are refused.",
        epilog="example:\n  moorage create quota images -n myproject \\\n"
        "      --hard=openshift.io/image-tags=20,openshift.io/imagestreams.storage=2Gi",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    quota.add_argument("name", metavar="NAME")
    quota.add_argument("--hard", default="", metavar="RESOURCE=QUANTITY,...")
    quota.add_argument("--scopes", default="", metavar="SCOPE,...")
    _write_options(quota)
    quota.set_defaults(func=run_quota)


def _write_options(parser: argparse.ArgumentParser) -> None:
    add_output_options(parser)
    parser.add_argument(
        "--dry-run",
        nargs="?",
        const="client",
        default="none",
        choices=["none", "client"],
        help="client: print the object without sending it",
    )


def _data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from-literal", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument(
        "--from-file",
        action="append",
        default=[],
        metavar="[KEY=]PATH",
        help="a file (key: its name, or KEY), or a directory's files",
    )
    parser.add_argument(
        "--from-env-file", action="append", default=[], metavar="PATH", help="KEY=VALUE lines"
    )


def _generic_secret(variants: Any, common: argparse.ArgumentParser) -> None:
    generic = variants.add_parser(
        "generic",
        parents=[common],
        help="a secret from literals and files",
        description="Create an Opaque (or --type) secret from literals, files and env files.",
    )
    generic.add_argument("name", metavar="NAME")
    _data_options(generic)
    generic.add_argument("--type", default="Opaque", help="the secret's type (default Opaque)")
    _write_options(generic)
    generic.set_defaults(func=run_generic_secret)


def _tls_secret(variants: Any, common: argparse.ArgumentParser) -> None:
    tls = variants.add_parser(
        "tls",
        parents=[common],
        help="a kubernetes.io/tls secret from a certificate and key",
        description="Create a kubernetes.io/tls secret holding tls.crt and tls.key.",
    )
    tls.add_argument("name", metavar="NAME")
    tls.add_argument("--cert", required=True, metavar="PATH", help="PEM certificate (chain)")
    tls.add_argument("--key", required=True, metavar="PATH", help="PEM private key")
    _write_options(tls)
    tls.set_defaults(func=run_tls_secret)


def _docker_registry_secret(variants: Any, common: argparse.ArgumentParser) -> None:
    docker = variants.add_parser(
        "docker-registry",
        parents=[common],
        help="a kubernetes.io/dockerconfigjson secret: credentials for a registry",
        description="Create a kubernetes.io/dockerconfigjson secret with credentials for\n"
        "--docker-server, or from an existing --from-file=.dockerconfigjson=PATH. Imports\n"
        "into the project use it for that registry.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    docker.add_argument("name", metavar="NAME")
    docker.add_argument("--docker-server", default="https://index.docker.io/v1/")
    docker.add_argument("--docker-username")
    docker.add_argument("--docker-password")
    docker.add_argument("--docker-email")
    docker.add_argument("--from-file", action="append", default=[], metavar="[KEY=]PATH")
    _write_options(docker)
    docker.set_defaults(func=run_docker_registry_secret)


def run_files(args: argparse.Namespace) -> int:
    if not args.filename:
        raise CliError(
            "nothing to create: pass -f FILE, or use 'create secret' or 'create configmap'"
        )
    session = Session(args)
    output = parse_output(args.output, args.template)
    failed = False
    for obj in read_manifests(args.filename):
        try:
            submit(session, obj, output, args.dry_run)
        except CliError as exc:
            report(exc)
            failed = True
    return 1 if failed else 0


def submit(session: Session, obj: Object, output: Output, dry_run: str = "none") -> None:
    where = locate(session, obj, need_name=False)
    created = (
        obj if dry_run == "client" else session.client.create(where.path(with_name=False), obj)
    )
    name = (created.get("metadata") or {}).get("name", "")
    if output.kind == "table":
        suffix = " (dry run)" if dry_run == "client" else ""
        print(f"{where.kind.ref}/{name} created{suffix}")
    elif output.kind == "name":
        print(f"{where.kind.ref}/{name}")
    else:
        sys.stdout.write(render(created, output))


def _encoded(data: dict[str, bytes]) -> dict[str, str]:
    return {k: base64.b64encode(v).decode() for k, v in data.items()}


def _new(kind: str, name: str, **fields: Any) -> Object:
    return {"apiVersion": "v1", "kind": kind, "metadata": {"name": name}, **fields}


def run_generic_secret(args: argparse.Namespace) -> int:
    data = collect(args.from_literal, args.from_file, args.from_env_file)
    secret = _new("Secret", args.name, type=args.type, data=_encoded(data))
    return _send(args, secret)


def run_tls_secret(args: argparse.Namespace) -> int:
    cert, key = _pem(args.cert, "CERTIFICATE"), _pem(args.key, "PRIVATE KEY")
    data = {"tls.crt": cert, "tls.key": key}
    return _send(args, _new("Secret", args.name, type="kubernetes.io/tls", data=_encoded(data)))


def run_docker_registry_secret(args: argparse.Namespace) -> int:
    if args.from_file:
        data = collect([], args.from_file, [])
    else:
        if not args.docker_username or args.docker_password is None:
            raise CliError("--docker-username and --docker-password are required")
        data = {".dockerconfigjson": _docker_config(args)}
    if set(data) != {".dockerconfigjson"}:
        raise CliError("a docker-registry secret holds one key, .dockerconfigjson")
    secret = _new("Secret", args.name, type="kubernetes.io/dockerconfigjson", data=_encoded(data))
    return _send(args, secret)


def _docker_config(args: argparse.Namespace) -> bytes:
    pair = f"{args.docker_username}:{args.docker_password}".encode()
    entry = {
        "username": args.docker_username,
        "password": args.docker_password,
        "auth": base64.b64encode(pair).decode(),
    }
    if args.docker_email:
        entry["email"] = args.docker_email
    return json.dumps({"auths": {args.docker_server: entry}}).encode()


def _pem(path: str, label: str) -> bytes:
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}") from None
    if b"-----BEGIN " not in content or label.encode() not in content:
        raise CliError(f"{path} does not hold a PEM {label.lower()}")
    return content


def run_configmap(args: argparse.Namespace) -> int:
    data: dict[str, str] = {}
    binary: dict[str, str] = {}
    for key, value in collect(args.from_literal, args.from_file, args.from_env_file).items():
        try:
            data[key] = value.decode("utf-8")
        except UnicodeDecodeError:
            binary[key] = base64.b64encode(value).decode()
    configmap = _new("ConfigMap", args.name, data=data)
    if binary:
        configmap["binaryData"] = binary
    return _send(args, configmap)


def run_serviceaccount(args: argparse.Namespace) -> int:
    return _send(args, _new("ServiceAccount", args.name))


def run_quota(args: argparse.Namespace) -> int:
    hard = {}
    for pair in filter(None, args.hard.split(",")):
        resource, equals, quantity = pair.partition("=")
        if not equals or not resource or not quantity:
            raise CliError(f"--hard takes RESOURCE=QUANTITY pairs, not {pair!r}")
        hard[resource] = quantity
    spec: Object = {"hard": hard}
    if args.scopes:
        spec["scopes"] = args.scopes.split(",")
    return _send(args, _new("ResourceQuota", args.name, spec=spec))


def _send(args: argparse.Namespace, obj: Object) -> int:
    session = Session(args)
    submit(session, obj, parse_output(args.output, args.template), args.dry_run)
    return 0
