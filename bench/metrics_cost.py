"""What the registry's metrics cost small requests: metrics on against metrics off.

.venv/bin/python bench/metrics_cost.py [--reps 4] [--no-results]   # appends to RESULTS.md

Two `moorage serve` (SQLite, 2 workers each) side by side in one run, one as shipped
(every request measured) and one started with MOORAGE_METRICS=off (nothing measured,
no metrics endpoint). Both get bench/small (workloads.setup_small); manifest GET and HEAD
by tag and blob HEAD, each with kubeadmin's registry token (credentials.py), at wrk -t2
-c32 -d5s, alternating the two servers (A B, then B A), --reps times. The goal (issue 9):
metrics on within 5% of metrics off.
"""

import argparse
import asyncio
import http.client
import os
import statistics
import sys
import time
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import wrk
from aiohttp import web
from credentials import for_host
from report import git_revision, machine, publish
from run import ensure_wrk, log
from servers import BENCH, Moorage, make_workdir, remove_workdir
from workloads import ACCEPT, SMALL_REPO, Context, setup_small

from moorage.distribution.instrumentation import Instrumentation
from moorage.observability.metrics import Metrics

CONNECTIONS = 32
SECONDS = 5
ON, OFF = "metrics on", "metrics off"
WRK = BENCH / ".work" / "wrk-head"


@dataclass(frozen=True)
class Figure:
    """One wrk run: its result, and the server's CPU time (every process) per request."""

    result: wrk.WrkResult
    cpu_us: float

    @property
    def rps(self) -> float:
        return self.result.requests_per_second


Figures = dict[tuple[str, str], list[Figure]]


@dataclass
class MoorageWithoutMetrics(Moorage):
    def command(self) -> list[str]:
        return ["env", "MOORAGE_METRICS=off", *super().command()]


def check_switch(servers: dict[str, Moorage]) -> None:
    """The metrics endpoint is there (asking for credentials) on one server, absent on the other."""
    for which, expected in ((ON, 401), (OFF, 404)):
        conn = http.client.HTTPConnection(servers[which].host, timeout=10)
        conn.request("GET", "/extensions/v2/metrics")
        status = conn.getresponse().status
        conn.close()
        if status != expected:
            raise RuntimeError(f"{which}: /extensions/v2/metrics answered {status}")


def targets(server: Moorage, ctx: Context) -> list[tuple[str, str, str | None, str]]:
    """(label, method, Accept, path) of each request measured."""
    layer = ctx.state[(server.name, "layer")]
    return [
        ("manifest GET by tag", "GET", ACCEPT, f"/v2/{SMALL_REPO}/manifests/v1"),
        ("manifest HEAD by tag", "HEAD", ACCEPT, f"/v2/{SMALL_REPO}/manifests/v1"),
        ("blob HEAD", "HEAD", None, f"/v2/{SMALL_REPO}/blobs/{layer}"),
    ]


def measure(ctx: Context, servers: dict[str, Moorage], reps: int) -> Figures:
    figures: Figures = {}
    for rep in range(reps):
        pairs = list(servers.items())
        for index in range(len(targets(servers[ON], ctx))):
            for which, server in pairs if rep % 2 == 0 else reversed(pairs):  # A B, then B A
                label, method, accept, path = targets(server, ctx)[index]
                authorization = for_host(server.host).authorization(SMALL_REPO)
                script = wrk.lua_script(ctx.workdir / f"{index}.lua", method, accept, authorization)
                assert server.monitor is not None
                cpu = server.monitor.cpu_total()
                got = wrk.run(ctx.wrk, f"http://{server.host}{path}", script, CONNECTIONS, SECONDS)
                cpu_us = (server.monitor.cpu_total() - cpu) / max(got.requests, 1) * 1e6
                figures.setdefault((label, which), []).append(Figure(got, cpu_us))
                log(
                    f"rep {rep + 1}: {label}, {which}: {got.requests_per_second:,.0f} req/s, "
                    f"{cpu_us:.0f} us CPU per request"
                )
    return figures


async def _added_per_request(repetitions: int = 100_000) -> float:
    """Microseconds the instrumentation adds to one request, in process: a handler that
    answers at once, called through the metrics middlewares and header hook and without."""
    from aiohttp.test_utils import make_mocked_request

    async def handler(_request: web.Request) -> web.Response:
        return web.Response(body=b"{}")

    app = web.Application()
    app.router.add_get("/v2/{name}/manifests/{reference}", handler)
    instrumentation = Instrumentation(Metrics())
    instrumentation.install(app)
    request = make_mocked_request("GET", "/v2/bench/small/manifests/v1", app=app)
    request._match_info = await app.router.resolve(request)  # as the router would set it

    async def measured(request: web.Request) -> web.StreamResponse:
        response = await instrumentation.requests(
            request, partial(instrumentation.operations, handler=handler)
        )
        await instrumentation._headers_written(request, response)
        return response

    timings = {}
    for name, call in (("bare", handler), ("measured", measured)):
        started = time.process_time()
        for _ in range(repetitions):
            await call(request)
        timings[name] = (time.process_time() - started) / repetitions * 1e6
    return timings["measured"] - timings["bare"]


def render(figures: Figures, reps: int, load: tuple[float, float], added_us: float) -> str:
    lines = [
        "## What metrics cost small requests (bench/metrics_cost.py)",
        "",
        *(line for line in machine(BENCH.parent, WRK) if "distribution" not in line),
        f"- Load average (1 min) before: {load[0]:.2f}; after: {load[1]:.2f}, on "
        f"{os.cpu_count()} cores shared with other engineers' work",
        "",
        f"`.venv/bin/python bench/metrics_cost.py`: moorage {git_revision(BENCH.parent)}, "
        f"SQLite, 2 workers per server, kubeadmin's registry token; wrk -t2 -c{CONNECTIONS} "
        f"-d{SECONDS}s; {reps} repetitions alternating the two servers (A B, then B A). "
        "Each repetition's pair, measured back to back, gives a ratio on/off; the table shows "
        "medians, and the median (range) of the paired ratios. Throughput on a loaded shared "
        "machine swings widely; the server's CPU time per request (utime + stime of all its "
        "processes over the run, divided by the requests wrk counted) is the steadier measure "
        "of what metrics add.",
        "",
        f"In process, the metrics middlewares and header hook add {added_us:.1f} us of CPU to "
        "a request whose handler answers at once (bench/metrics_cost.py, _added_per_request).",
        "",
        f"| request | req/s {OFF} | req/s {ON} | req/s on/off, paired | "
        f"CPU us/request {OFF} | CPU us/request {ON} | CPU on/off, paired | failed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for request in dict.fromkeys(r for r, _ in figures):
        off, on = figures[(request, OFF)], figures[(request, ON)]
        failed = sum(f.result.bad for f in (*off, *on))
        cells = [request]
        for measure in (lambda f: f.rps, lambda f: f.cpu_us):
            paired = [measure(b) / measure(a) for a, b in zip(off, on, strict=True)]
            cells += [f"{statistics.median(measure(f) for f in runs):,.0f}" for runs in (off, on)]
            cells.append(f"{statistics.median(paired):.3f} ({min(paired):.3f}-{max(paired):.3f})")
        lines.append(f"| {' | '.join(cells)} | {failed} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=4)
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--no-results", action="store_true", help="print only")
    args = parser.parse_args()
    workdir = make_workdir(None)
    ctx = Context(sizes=None, source=Path(), workdir=workdir, wrk=ensure_wrk(WRK))  # type: ignore[arg-type]
    servers: dict[str, Moorage] = {
        ON: Moorage("on", workdir / "on"),
        OFF: MoorageWithoutMetrics("off", workdir / "off"),
    }
    load_before = os.getloadavg()[0]
    try:
        for server in servers.values():
            server.start()
            setup_small(server, ctx)
        check_switch(servers)
        figures = measure(ctx, servers, args.reps)
    finally:
        for server in servers.values():
            if server.process is not None and server.process.poll() is None:
                server.stop()
        remove_workdir(workdir)
    added_us = asyncio.run(_added_per_request())
    text = render(figures, args.reps, (load_before, os.getloadavg()[0]), added_us)
    publish(text, args.results, keep=not args.no_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
