"""Pull-through, cold and warm: moorage against distribution's proxy mode, one upstream.

.venv/bin/python bench/pullthrough.py [--reps 3] [--layers 50] [--layer-kib 1024] [--no-results]

One Debian docker-registry is the upstream. In front of it: distribution in proxy mode
(`proxy: remoteurl:`), and `moorage serve` with an image stream that imported the image
(referencePolicy Local, insecure). Each repetition pushes a fresh image of LAYERS random layers
to the upstream (so every cold pull is cold on both), then, alternating which goes first:
- cold: the first pull through each (manifest, then every blob, 6 at a time as
  containers/image downloads, each byte hashed by the client);
- warm: the same pull again, now served from each one's own storage;
- skopeo cold and warm: `skopeo copy docker://... dir:` of another fresh image.
Moorage's import happens before its cold pull and is not timed (distribution has none).
Prints medians and distribution/moorage ratios (above 1: moorage faster) and appends them to
bench/RESULTS.md.
"""

import argparse
import hashlib
import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import credentials
from images import descriptor, skopeo_copy
from report import publish
from run import log
from servers import BENCH, PROJECT, Distribution, Moorage, Server, make_workdir, remove_workdir
from transfers import TransferError, connect, expect, post_bytes, put_manifest

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"
PARALLEL = 6  # containers/image's default for layer downloads
REPO = "team/app"  # in the upstream; the proxy serves it under the same name


@dataclass
class DistributionProxy(Distribution):
    """distribution as a pull-through cache of `remote`."""

    remote: str = ""

    def command(self) -> list[str]:
        command = super().command()
        config = self.workdir / "config.yml"
        config.write_text(config.read_text() + f"proxy:\n  remoteurl: http://{self.remote}\n")
        return command


@dataclass(frozen=True)
class Blob:
    digest: str
    size: int


@dataclass(frozen=True)
class Pushed:
    tag: str
    manifest: bytes
    blobs: list[Blob]


def push_image(upstream: Server, tag: str, layers: int, layer_size: int) -> Pushed:
    """A fresh image of random layers, pushed to the upstream as REPO:tag."""
    contents = [os.urandom(layer_size) for _ in range(layers)]
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": [_digest(c) for c in contents]},
        }
    ).encode()
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(lambda data: post_bytes(upstream.host, REPO, data), [config, *contents]))
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": descriptor(OCI_CONFIG, config),
            "layers": [descriptor(LAYER, c) for c in contents],
        }
    ).encode()
    put_manifest(upstream.host, REPO, tag, manifest, OCI_MANIFEST)
    blobs = [Blob(_digest(data), len(data)) for data in (config, *contents)]
    return Pushed(tag, manifest, blobs)


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def import_into(moorage: Moorage, upstream: Server, pushed: Pushed) -> None:
    """moorage's stream `app` imports the tag (Local reference policy, insecure)."""
    entry = {
        "from": {"kind": "DockerImage", "name": f"{upstream.host}/{REPO}:{pushed.tag}"},
        "to": {"name": pushed.tag},
        "importPolicy": {"insecure": True},
        "referencePolicy": {"type": "Local"},
    }
    body = {
        "kind": "ImageStreamImport",
        "apiVersion": "image.openshift.io/v1",
        "metadata": {"name": "app"},
        "spec": {"import": True, "images": [entry]},
    }
    conn = http.client.HTTPConnection("127.0.0.1", moorage.api_port, timeout=300)
    path = f"/apis/image.openshift.io/v1/namespaces/{PROJECT}/imagestreamimports"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {moorage.api_token}"}
    conn.request("POST", path, body=json.dumps(body), headers=headers)
    answer = json.loads(expect(conn.getresponse(), 201, "ImageStreamImport"))
    conn.close()
    (status,) = answer["status"]["images"]
    if status["status"]["status"] != "Success":
        raise RuntimeError(f"moorage could not import {pushed.tag}: {status['status']}")


def pull(host: str, repo: str, pushed: Pushed) -> float:
    """Manifest, then every blob PARALLEL at a time, each verified; wall seconds."""
    began = time.perf_counter()
    conn = connect(host)
    conn.request("GET", f"/v2/{repo}/manifests/{pushed.tag}", headers={"Accept": OCI_MANIFEST})
    if expect(conn.getresponse(), 200, f"manifest from {host}") != pushed.manifest:
        raise TransferError(f"{host} served another manifest for {pushed.tag}")
    conn.close()
    with ThreadPoolExecutor(PARALLEL) as pool:
        list(pool.map(lambda blob: _get_verified(host, repo, blob), pushed.blobs))
    return time.perf_counter() - began


def _get_verified(host: str, repo: str, blob: Blob) -> None:
    conn = connect(host)
    conn.request("GET", f"/v2/{repo}/blobs/{blob.digest}")
    data = expect(conn.getresponse(), 200, f"blob from {host}")
    conn.close()
    if len(data) != blob.size or _digest(data) != blob.digest:
        raise TransferError(f"{host} served other bytes for {blob.digest}")


def skopeo_pull(server: Server, repo: str, pushed: Pushed) -> float:
    creds = None
    if isinstance(server, Moorage):
        creds = f"kubeadmin:{server.api_token}"
    with tempfile.TemporaryDirectory(dir="/dev/shm") as out:
        return skopeo_copy(f"docker://{server.host}/{repo}:{pushed.tag}", f"dir:{out}/i", creds)


Pull = Callable[[Server, str, Pushed], float]


def measure(
    upstream: Server, moorage: Moorage, proxy: Server, args: argparse.Namespace
) -> dict[str, dict[str, list[float]]]:
    figures: dict[str, dict[str, list[float]]] = {}
    clients: list[tuple[str, Pull]] = [
        ("python, 6 at a time", lambda s, r, p: pull(s.host, r, p)),
        ("skopeo copy to dir", skopeo_pull),
    ]
    layer_size = args.layer_kib * 1024
    for rep in range(args.reps):
        for client, run in clients:
            pushed = push_image(upstream, f"r{rep}-{client[:6]}", args.layers, layer_size)
            import_into(moorage, upstream, pushed)
            order = [(moorage, f"{PROJECT}/app"), (proxy, REPO)]
            if rep % 2:
                order.reverse()
            for server, repo in order:
                for phase in ("cold", "warm"):
                    took = run(server, repo, pushed)
                    row = figures.setdefault(f"{client}, {phase}", {})
                    row.setdefault(server.name, []).append(took)
                    log(f"rep {rep + 1} {client} {phase} {server.name}: {took:.2f} s")
    return figures


def render(figures: dict[str, dict[str, list[float]]], args: argparse.Namespace) -> str:
    size_mib = args.layers * args.layer_kib / 1024
    lines = [
        f"## Pull-through ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})",
        "",
        f"`bench/pullthrough.py --reps {args.reps} --layers {args.layers} "
        f"--layer-kib {args.layer_kib}`: a fresh image of {args.layers} layers "
        f"({size_mib:.0f} MiB) per client and repetition; medians in seconds; load average "
        f"before: {os.getloadavg()[0]:.2f}.",
        "",
        "| pull | moorage | distribution proxy | distribution / moorage |",
        "|---|---|---|---|",
    ]
    for name, by_server in figures.items():
        ours = statistics.median(by_server["moorage"])
        theirs = statistics.median(by_server["distribution-proxy"])
        lines.append(f"| {name} | {ours:.2f} | {theirs:.2f} | {theirs / ours:.2f}x |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--layers", type=int, default=50)
    parser.add_argument("--layer-kib", type=int, default=1024)
    parser.add_argument("--no-results", action="store_true", help="do not append to RESULTS.md")
    args = parser.parse_args()
    workdir = make_workdir(None)
    upstream = Distribution("upstream", workdir / "upstream")
    servers: list[Server] = [upstream]
    try:
        upstream.start()
        proxy = DistributionProxy("distribution-proxy", workdir / "proxy", remote=upstream.host)
        moorage = Moorage("moorage", workdir / "moorage")
        servers += [proxy, moorage]
        proxy.start()
        moorage.start()
        figures = measure(upstream, moorage, proxy, args)
    finally:
        for server in servers:
            if server.process is not None:
                server.stop()
        remove_workdir(workdir)
        credentials.REGISTERED.clear()
    publish(render(figures, args), BENCH / "RESULTS.md", keep=not args.no_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
