"""What a pull through a route costs: a 1 GiB blob GET through the ingress (TLS, the
route's certificate chosen by SNI) against the same GET on the registry's plain port.

.venv/bin/python bench/ingress_cost.py [--reps 3] [--no-results]   # appends to RESULTS.md

One `moorage serve` (SQLite, 2 workers) with its ingress on; the default route on. The
same 1 GiB blob is read whole, alternating plain and ingress (A B, then B A), --reps
times; seconds, MB/s and the server's CPU seconds per GET are reported as medians.
"""

import argparse
import base64
import http.client
import json
import socket
import ssl
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from blobs import Blob, GiB, MiB, blobs, ensure_source
from credentials import for_host
from report import cpu_model, git_revision
from run import log
from servers import BENCH, Moorage, free_port, make_workdir, remove_workdir
from transfers import get_blob, monolithic_upload

ROUTE = "default-route-openshift-image-registry.apps.localhost"
REPO = "bench/mono"
PLAIN, INGRESS = "plain port (HTTP)", "ingress (TLS, SNI)"


@dataclass
class MoorageWithIngress(Moorage):
    ingress_port: int = field(default_factory=free_port)

    def command(self) -> list[str]:
        command = super().command()
        at = command.index("--ingress-listen")
        command[at + 1] = f"127.0.0.1:{self.ingress_port}"
        return command

    def default_route(self) -> None:
        """Patch spec.defaultRoute, as chapter 5 does, and wait until the route serves."""
        body = json.dumps({"spec": {"defaultRoute": True}})
        headers = {
            "Content-Type": "application/merge-patch+json",
            "Authorization": f"Bearer {self.api_token}",
        }
        path = "/apis/imageregistry.operator.openshift.io/v1/configs/cluster"
        status = self.api("PATCH", path, body, headers)
        if status != 200:
            raise RuntimeError(f"patching the Config: status {status}")
        deadline = time.monotonic() + 30
        while not self._served():
            if time.monotonic() > deadline:
                raise RuntimeError("the default route is not served")
            time.sleep(0.1)

    def _served(self) -> bool:
        try:
            self.route_connection().close()
            return True
        except (OSError, ssl.SSLError):
            return False

    def route_connection(self) -> http.client.HTTPConnection:
        """A connection to the ingress asking for the route's host, trusting the ingress CA."""
        ca = self.workdir / "data" / "tls" / "ingress-ca.crt"
        context = ssl.create_default_context(cafile=ca)
        raw = socket.create_connection(("127.0.0.1", self.ingress_port), timeout=300)
        conn = http.client.HTTPConnection(ROUTE, self.ingress_port, blocksize=MiB)
        conn.sock = context.wrap_socket(raw, server_hostname=ROUTE)
        return conn


def get_through_route(server: MoorageWithIngress, blob: Blob) -> float:
    conn = server.route_connection()
    creds = for_host(server.host).creds()  # the API token as a Basic password
    assert creds is not None
    basic = {"Authorization": "Basic " + base64.b64encode(creds.encode()).decode()}
    began = time.perf_counter()
    conn.request("GET", f"/v2/{REPO}/blobs/{blob.digest}", headers=basic)
    resp = conn.getresponse()
    buffer = bytearray(4 * MiB)
    got = 0
    while n := resp.readinto(buffer):
        got += n
    took = time.perf_counter() - began
    conn.close()
    if resp.status != 200 or got != blob.size:
        raise RuntimeError(f"GET through the route: {resp.status}, {got} bytes")
    return took


def measure(server: MoorageWithIngress, get: Callable[[], float]) -> tuple[float, float]:
    assert server.monitor is not None
    cpu = server.monitor.cpu_total()
    seconds = get()
    return seconds, server.monitor.cpu_total() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-results", action="store_true")
    options = parser.parse_args()
    source = ensure_source(BENCH / ".work" / "source.bin", GiB)
    workdir = make_workdir(None)
    server = MoorageWithIngress("moorage", workdir / "moorage")
    try:
        server.start()
        server.default_route()
        blob = blobs(source, 1, GiB)[0]
        monolithic_upload(server.host, REPO, blob)
        runs: dict[str, list[tuple[float, float]]] = {PLAIN: [], INGRESS: []}
        gets = {
            PLAIN: lambda: get_blob(server.host, REPO, blob),
            INGRESS: lambda: get_through_route(server, blob),
        }
        for rep in range(options.reps):
            order = [PLAIN, INGRESS] if rep % 2 == 0 else [INGRESS, PLAIN]
            for name in order:
                runs[name].append(measure(server, gets[name]))
                log(f"{name}: {runs[name][-1][0]:.2f} s, {runs[name][-1][1]:.2f} CPU s")
    finally:
        server.stop()
        remove_workdir(workdir)
    report = _report(runs, options.reps)
    print(report)
    if not options.no_results:
        with (BENCH / "RESULTS.md").open("a") as results:
            results.write("\n" + report)


def _report(runs: dict[str, list[tuple[float, float]]], reps: int) -> str:
    lines = [
        "## A 1 GiB pull through the ingress against the plain port",
        "",
        f"`.venv/bin/python bench/ingress_cost.py`: moorage {git_revision(BENCH.parent)}, "
        f"{cpu_model()}; one `moorage serve`, 2 workers; the plain port's GET is the one "
        f"bench/run.py times, the ingress's the same over TLS; medians of {reps}, alternating.",
        "",
        "| path | seconds | MB/s | server CPU s |",
        "|---|---|---|---|",
    ]
    for name, samples in runs.items():
        seconds = statistics.median(s for s, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        lines.append(f"| {name} | {seconds:.2f} | {GiB / seconds / 1e6:.0f} | {cpu:.2f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
