"""Push and pull through S3: moorage on the Config's s3 storage against distribution's s3 driver,
both on one moto server, with skopeo, as ratios (issue 10).

.venv/bin/python bench/s3_registries.py [--reps 3] [--layers 8] [--layer-mib 16] [--no-results]

One moto server (its own process on loopback); a bucket for each registry. distribution
(Debian's docker-registry) runs its s3 driver on its bucket with the regionendpoint; moorage
starts on filesystem storage and is moved to S3 as the specification does it: the
credentials Secret, then a merge patch of the Config's spec.storage.s3, waited on until
rolled out. Both keep their defaults otherwise: 10 MiB parts, blob GETs redirected to moto by
presigned URLs (so pulls go at moto's speed on both).

Each repetition, the registries in alternating order: skopeo pushes a fresh image of LAYERS
random layers of LAYER_MIB MiB from an OCI layout in /dev/shm, then pulls it back into a
directory there. Reported: median wall seconds, and distribution's time over moorage's (above
1: moorage is faster).
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import credentials
from images import oci_layout, skopeo_copy
from report import git_revision, publish
from run import log
from servers import (
    BENCH,
    PROJECT,
    VENV_BIN,
    Distribution,
    Moorage,
    Server,
    make_workdir,
    remove_workdir,
)

sys.path.insert(0, str(BENCH.parent))
from tests.support.moto import ACCESS_KEY, SECRET_KEY, MotoServer

CONFIG = "/apis/imageregistry.operator.openshift.io/v1/configs/cluster"
SECRETS = "/api/v1/namespaces/openshift-image-registry/secrets"


@dataclass
class DistributionS3(Distribution):
    """distribution with its s3 driver on `bucket` at moto's `endpoint`."""

    endpoint: str = ""
    bucket: str = ""

    def command(self) -> list[str]:
        command = super().command()
        config = self.workdir / "config.yml"
        filesystem = f"  filesystem:\n    rootdirectory: {self.workdir / 'data'}\n"
        s3 = (
            "  s3:\n"
            f"    accesskey: {ACCESS_KEY}\n    secretkey: {SECRET_KEY}\n"
            f"    region: us-east-1\n    regionendpoint: {self.endpoint}\n"
            f"    bucket: {self.bucket}\n    secure: false\n    v4auth: true\n"
        )
        config.write_text(config.read_text().replace(filesystem, s3))
        # Its AWS SDK cannot load a CA bundle into its own HTTP transport and panics at start
        # when AWS_CA_BUNDLE is set (this machine sets it); moto is plain HTTP anyway.
        return ["env", "-u", "AWS_CA_BUNDLE", *command]


def move_to_s3(moorage: Moorage, moto: MotoServer, bucket: str) -> None:
    """The specification's procedure, through the API: the Secret, the patch, the rollout."""
    headers = {"Authorization": f"Bearer {moorage.api_token}"}
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "image-registry-private-configuration-user"},
        "stringData": {
            "REGISTRY_STORAGE_S3_ACCESSKEY": ACCESS_KEY,
            "REGISTRY_STORAGE_S3_SECRETKEY": SECRET_KEY,
        },
    }
    json_body = {**headers, "Content-Type": "application/json"}
    if moorage.api("POST", SECRETS, json.dumps(secret), json_body) != 201:
        raise RuntimeError("moorage refused the storage credentials Secret")
    s3 = {"bucket": bucket, "region": "us-east-1", "regionEndpoint": moto.endpoint}
    patch = json.dumps({"spec": {"storage": {"s3": s3}}})
    merge = {**headers, "Content-Type": "application/merge-patch+json"}
    if moorage.api("PATCH", CONFIG, patch, merge) != 200:
        raise RuntimeError("moorage refused the Config's patch")
    deadline = time.monotonic() + 120
    while not on_s3(moorage):
        if time.monotonic() > deadline:
            raise RuntimeError(f"moorage did not roll out on S3; see {moorage.log_path}")
        time.sleep(0.5)


def on_s3(moorage: Moorage) -> bool:
    config = moorage.get_json(CONFIG)
    status = config.get("status", {})
    conditions = {c["type"]: c["status"] for c in status.get("conditions", [])}
    return (
        "s3" in status.get("storage", {})
        and status.get("observedGeneration") == config["metadata"]["generation"]
        and conditions.get("Progressing") == "False"
        and conditions.get("Available") == "True"
    )


def creds_for(server: Server) -> str | None:
    return f"kubeadmin:{server.api_token}" if isinstance(server, Moorage) else None


def push_then_pull(server: Server, image: Path, tag: str) -> tuple[float, float]:
    reference = f"docker://{server.host}/{PROJECT}/app:{tag}"
    pushed = skopeo_copy(f"oci:{image}:v1", reference, creds_for(server))
    with tempfile.TemporaryDirectory(dir="/dev/shm") as out:
        pulled = skopeo_copy(reference, f"dir:{out}/image", creds_for(server))
    return pushed, pulled


def measure(servers: list[Server], args: argparse.Namespace) -> dict[str, dict[str, list[float]]]:
    figures: dict[str, dict[str, list[float]]] = {"push": {}, "pull": {}}
    for rep in range(args.reps):
        order = servers if rep % 2 == 0 else servers[::-1]
        for server in order:
            with tempfile.TemporaryDirectory(dir="/dev/shm") as layout:
                image = oci_layout(Path(layout), args.layers, args.layer_mib << 20)
                pushed, pulled = push_then_pull(server, image, f"r{rep}")
            figures["push"].setdefault(server.name, []).append(pushed)
            figures["pull"].setdefault(server.name, []).append(pulled)
            log(f"rep {rep + 1} {server.name}: push {pushed:.2f} s, pull {pulled:.2f} s")
    return figures


def render(figures: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> str:
    size = args.layers * args.layer_mib
    lines = [
        f"## Push and pull through S3 (moto), skopeo ({time.strftime('%Y-%m-%d %H:%M UTC')})",
        "",
        f"`bench/s3_registries.py --reps {args.reps} --layers {args.layers} --layer-mib "
        f"{args.layer_mib}`, git {git_revision(BENCH.parent)}: a fresh image of {args.layers} "
        f"layers ({size} MiB) per registry and repetition, in alternating order; medians in "
        f"seconds; load average before: {args.load_before}.",
        "",
        "| skopeo | moorage | distribution | distribution / moorage | every moorage run |",
        "|---|--:|--:|--:|---|",
    ]
    for name, by_server in figures.items():
        ours = statistics.median(by_server["moorage"])
        theirs = statistics.median(by_server["distribution"])
        runs = ", ".join(f"{t:.2f}" for t in by_server["moorage"])
        lines.append(f"| {name} | {ours:.2f} | {theirs:.2f} | {theirs / ours:.2f}x | {runs} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--layer-mib", type=int, default=16)
    parser.add_argument("--no-results", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    args.load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    workdir = make_workdir(None)
    moto = MotoServer(VENV_BIN / "moto_server").start()
    servers: list[Server] = []
    try:
        buckets = [moto.new_bucket() for _ in range(2)]
        distribution = DistributionS3(
            "distribution", workdir / "distribution", endpoint=moto.endpoint, bucket=buckets[0]
        )
        moorage = Moorage("moorage", workdir / "moorage")
        servers += [moorage, distribution]
        distribution.start()
        moorage.start()
        move_to_s3(moorage, moto, buckets[1])
        figures = measure(servers, args)
    finally:
        for server in servers:
            if server.process is not None:
                server.stop()
        moto.stop()
        remove_workdir(workdir)
        credentials.REGISTERED.clear()
    publish(render(figures, args), BENCH / "RESULTS.md", keep=not args.no_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
