"""`moorage adm render-manifests`: Kubernetes manifests that run this registry on a cluster.

Offline: it talks to no server, so it takes none of the connection options. What renders
them (operator/manifests/) loads the store and the server's parts, so it is imported only
when this command runs, not for every `moorage` command that builds the parser.
"""

import argparse
from pathlib import Path
from typing import Any

from moorage.cli import yamlio
from moorage.cli.errors import CliError
from moorage.resources.objects import Object

DESCRIPTION = """Write the Kubernetes manifests that run this registry on a cluster, as
YAML documents in the order `kubectl apply` needs them:

  - CustomResourceDefinitions for the kinds Moorage stores, their schemas made from the
    models its API validates with: configs and imagepruners
    (imageregistry.operator.openshift.io), imagestreams and images (image.openshift.io);
  - the namespace, the service account `registry`, the cluster roles registry-admin,
    registry-editor, registry-viewer, system:image-builder, system:image-puller,
    system:image-pusher and system:registry with the rules the registry enforces, and
    system:registry bound to the service account;
  - the claim image-registry-storage (ReadWriteMany) for the data directory, the Service
    image-registry (registry on 5000, API on 6443), and the Deployment image-registry
    running `moorage serve` with probes on /healthz (live, started) and /readyz (ready);
  - the Config `cluster` and ImagePruner `cluster` with their defaults (no httpSecret:
    the operator makes one).

More than one replica needs PostgreSQL: make a Secret whose `database-url` key is
the URL and name it with --database-url-secret. For plain Kubernetes: an OpenShift
cluster serves image.openshift.io and imageregistry.operator.openshift.io itself.
Apply the definitions first (or apply twice) so the Config and ImagePruner find them."""
EPILOG = """examples:
  moorage adm render-manifests --image registry.example.com/moorage:0.1.0 | kubectl apply -f -
  kubectl create secret generic moorage-db -n openshift-image-registry \\
    --from-literal=database-url=postgresql+psycopg://USER:PASSWORD@HOST/DB
  moorage adm render-manifests --image registry.example.com/moorage:0.1.0 --replicas 3 \\
    --database-url-secret moorage-db --output-dir manifests/"""


def register(adm: Any, _common: argparse.ArgumentParser) -> None:
    parser = adm.add_parser(
        "render-manifests",
        help="write Kubernetes manifests that run the registry on a cluster",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "-o",
        "--output",
        choices=["yaml"],
        default="yaml",
        help="write one YAML stream to standard output (the default)",
    )
    where.add_argument(
        "--output-dir",
        type=Path,
        metavar="DIR",
        help="write one file per manifest into DIR, named in apply order",
    )
    parser.add_argument(
        "--image",
        required=True,
        metavar="IMAGE",
        help="the image with moorage installed that the pods run",
    )
    parser.add_argument(
        "-n",
        "--namespace",
        default=argparse.SUPPRESS,
        metavar="NS",
        help="where the registry runs (default openshift-image-registry)",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        default=1,
        metavar="N",
        help="registry pods (default 1; more needs --database-url-secret)",
    )
    parser.add_argument(
        "--database-url-secret",
        metavar="NAME",
        help="the Secret whose 'database-url' key is the PostgreSQL "
        "URL (default: SQLite on the claim, one replica)",
    )
    parser.add_argument(
        "--storage-size",
        default=argparse.SUPPRESS,
        metavar="SIZE",
        help="what the claim asks for (default 100Gi)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from moorage.operator.manifests.documents import documents, file_name
    from moorage.operator.manifests.settings import ClusterSettings, InvalidSettings

    # Those not given are left to ClusterSettings' defaults.
    given = {name: getattr(args, name) for name in ("namespace", "storage_size") if name in args}
    try:
        settings = ClusterSettings(
            image=args.image,
            replicas=args.replicas,
            database_url_secret=args.database_url_secret,
            **given,
        )
    except InvalidSettings as exc:
        raise CliError(str(exc), code=2) from None
    rendered = documents(settings)
    if args.output_dir is None:
        print("---\n".join(yamlio.dump(document) for document in rendered), end="")
    else:
        _write(args.output_dir, {file_name(i, d): d for i, d in enumerate(rendered)})
    return 0


def _write(directory: Path, files: dict[str, Object]) -> None:
    try:
        directory.mkdir(parents=True, exist_ok=True)
        others = sorted(p.name for p in directory.iterdir() if p.name not in files)
        if others:
            raise CliError(
                f"{directory} holds other files ({', '.join(others[:3])}): kubectl apply -f "
                "would apply them too; render into an empty directory"
            )
        for name, document in files.items():
            (directory / name).write_text(yamlio.dump(document))
    except OSError as exc:
        raise CliError(f"cannot write to {directory}: {exc.strerror or exc}") from None
    print(f"wrote {len(files)} manifests to {directory}")
