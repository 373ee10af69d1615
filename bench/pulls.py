"""Bulk pulls as clients see them: moorage against distribution, client by client.

.venv/bin/python bench/pulls.py [--reps 3] [--size-mib 1024] [--clients NAME,...] [--output FILE]

One blob of SIZE, then 8 blobs of SIZE/4 at once, GET from each server with each client:
- curl -o /dev/null (libcurl, 16 KiB-ish reads);
- Python http.client, readinto a preallocated 4 MiB buffer (what bench/run.py measures);
- Python http.client, read(64 KiB) in a loop (what requests-style clients do);
- skopeo (Go's net/http) copying a one-layer image to a dir: on tmpfs (it hashes every byte,
  so its own CPU is part of what it sees).
Servers alternate (A B A B) within each repetition; moorage runs with token auth (every request
carries a registry JWT), distribution open. Each row gives the median MB/s, the ratio, and
the server's CPU seconds per GiB served (from /proc, the whole process tree).
"""

import argparse
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from blobs import Blob, MiB, blobs, ensure_source
from credentials import for_host
from images import descriptor, skopeo_copy
from run import log
from servers import BENCH, Distribution, Moorage, Server, make_workdir, remove_workdir
from transfers import (
    concurrently,
    get_blob,
    monolithic_upload,
    post_bytes,
    put_manifest,
    takes_single_post,
)

WORK = BENCH / ".work"
REPO = "bench/pulls"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"
Client = Callable[[Server, Blob], float]


def _path(blob: Blob) -> str:
    return f"/v2/{REPO}/blobs/{blob.digest}"


def curl(server: Server, blob: Blob) -> float:
    header = for_host(server.host).authorization(REPO)
    command = ["curl", "-sS", "-o", "/dev/null", "-w", "%{size_download}"]
    if header:
        command += ["-H", f"Authorization: {header}"]
    began = time.perf_counter()
    done = subprocess.run(
        [*command, f"http://{server.host}{_path(blob)}"], capture_output=True, text=True
    )
    took = time.perf_counter() - began
    if done.returncode != 0 or int(done.stdout or 0) != blob.size:
        raise RuntimeError(f"curl from {server.name}: {done.stderr or done.stdout}")
    return took


def readinto_4mib(server: Server, blob: Blob) -> float:
    return get_blob(server.host, REPO, blob)


def read_64kib(server: Server, blob: Blob) -> float:
    conn = http.client.HTTPConnection(server.host, timeout=300)
    header = for_host(server.host).authorization(REPO)
    began = time.perf_counter()
    conn.request("GET", _path(blob), headers={"Authorization": header} if header else {})
    resp = conn.getresponse()
    got = 0
    while chunk := resp.read(64 * 1024):
        got += len(chunk)
    took = time.perf_counter() - began
    conn.close()
    if resp.status != 200 or got != blob.size:
        raise RuntimeError(f"GET from {server.name}: {resp.status}, {got} bytes")
    return took


def skopeo(server: Server, blob: Blob) -> float:
    """A copy of the one-layer image `<blob digest>` tags, to a dir on tmpfs."""
    tag = blob.digest.removeprefix("sha256:")[:16]
    with tempfile.TemporaryDirectory(dir="/dev/shm") as target:
        return skopeo_copy(
            f"docker://{server.host}/{REPO}:{tag}", f"dir:{target}", for_host(server.host).creds()
        )


CLIENTS: dict[str, Client] = {
    "curl": curl,
    "http.client readinto 4 MiB": readinto_4mib,
    "http.client read 64 KiB": read_64kib,
    "skopeo copy to tmpfs": skopeo,
}


def publish(server: Server, blob: Blob) -> None:
    """The blob, and a one-layer image naming it (for skopeo), tagged by its digest."""
    monolithic_upload(server.host, REPO, blob, single_post=takes_single_post(server.host, REPO))
    config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {}}).encode()
    post_bytes(server.host, REPO, config)
    layer = {"mediaType": LAYER, "digest": blob.digest, "size": blob.size}
    manifest = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": descriptor("application/vnd.oci.image.config.v1+json", config),
        "layers": [layer],
    }
    tag = blob.digest.removeprefix("sha256:")[:16]
    put_manifest(server.host, REPO, tag, json.dumps(manifest).encode(), MANIFEST)


Row = tuple[str, str, str]  # (workload, client, server)


def measure(server: Server, client: Client, chosen: list[Blob]) -> tuple[float, float]:
    """(MB/s over all of `chosen` at once, the server's CPU seconds per GiB served)."""
    before = server.monitor.cpu_total() if server.monitor else 0.0
    jobs = [lambda b=b: client(server, b) for b in chosen]
    took = jobs[0]() if len(jobs) == 1 else concurrently(jobs)
    cpu = (server.monitor.cpu_total() if server.monitor else 0.0) - before
    served = sum(b.size for b in chosen)
    return served / MiB / took, cpu / (served / (1024 * MiB))


def run(
    servers: list[Server], one: Blob, many: list[Blob], reps: int, clients: dict[str, Client]
) -> dict[Row, list]:
    figures: dict[Row, list] = {}
    for rep in range(reps):
        for client_name, client in clients.items():
            for server in servers:
                for workload, chosen in (("1 stream", [one]), ("8 streams", many)):
                    if client is skopeo and len(chosen) > 1:
                        continue
                    rate, per_gib = measure(server, client, chosen)
                    row = (workload, client_name, server.name)
                    figures.setdefault(row, []).append((rate, per_gib))
                    log(
                        f"rep {rep + 1} {workload} {client_name} {server.name}: "
                        f"{rate:,.0f} MB/s, {per_gib:.2f} CPU-s/GiB"
                    )
    return figures


def render(figures: dict[Row, list], reps: int, size: int) -> str:
    lines = [
        "# Bulk pulls by client: moorage and distribution 2.8",
        "",
        f"`.venv/bin/python bench/pulls.py`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())};"
        f" {size // MiB} MiB for 1 stream, 8 x {size // 4 // MiB} MiB for 8 streams; {reps} "
        "alternated repetitions, medians. moorage with a registry token, distribution open.",
        "",
        "| workload | client | moorage MB/s | distribution MB/s | ratio | "
        "moorage CPU-s/GiB | distribution CPU-s/GiB |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for workload, client in dict.fromkeys((w, c) for w, c, _ in figures):
        mine = figures[(workload, client, "moorage")]
        theirs = figures[(workload, client, "distribution")]
        rate_m = statistics.median(r for r, _ in mine)
        rate_d = statistics.median(r for r, _ in theirs)
        cpu_m = statistics.median(c for _, c in mine)
        cpu_d = statistics.median(c for _, c in theirs)
        lines.append(
            f"| {workload} | {client} | {rate_m:,.0f} | {rate_d:,.0f} | {rate_m / rate_d:.2f} "
            f"| {cpu_m:.2f} | {cpu_d:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--output", type=Path, default=None, help="also write the table here")
    parser.add_argument(
        "--clients",
        default="",
        help="only these clients, by the first word of their names (e.g. skopeo,curl)",
    )
    args = parser.parse_args()
    wanted = {w.strip() for w in args.clients.split(",") if w.strip()}
    clients = {n: c for n, c in CLIENTS.items() if not wanted or n.split()[0] in wanted}
    if not clients:
        parser.error(f"no client is called {args.clients}; there are {', '.join(CLIENTS)}")
    size = args.size_mib * MiB
    source = ensure_source(WORK / "source.bin", 1024 * MiB)
    one, many = blobs(source, 1, size)[0], blobs(source, 8, size // 4)
    workdir = make_workdir(None)
    servers: list[Server] = [
        Moorage("moorage", workdir / "moorage"),
        Distribution("distribution", workdir / "distribution"),
    ]
    try:
        for server in servers:
            server.start()
            for blob in (one, *many):
                publish(server, blob)
        figures = run(servers, one, many, args.reps, clients)
    finally:
        for server in servers:
            if server.process is not None:
                server.stop()
        remove_workdir(workdir)
    text = render(figures, args.reps, size)
    print(text)
    if args.output:
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
