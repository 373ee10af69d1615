"""What request limits cost when they are not reached: limits off beside limits set high.

.venv/bin/python bench/limits.py [--reps 10]  # about 4 minutes; appends to bench/RESULTS.md
.venv/bin/python bench/limits.py --control    # both servers with the limits: the noise

Two `moorage serve` (SQLite, 2 workers each) in one run: one as it starts (no
spec.requests), one whose Config sets spec.requests.read and .write to 10,000 running and
10,000 queued, which wrk's connections never reach, so every request takes the counter's
fast path. The first gets a new httpSecret instead, so both run replicas started by a
rollout. Both get bench/small (workloads.setup_small); wrk -t2 -c32 -d5s on manifest GET
and blob HEAD by kubeadmin's registry token, alternating the two servers (A B, then B A).
"""

import argparse
import asyncio
import http.client
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import credentials
import procstat
import wrk
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from report import machine, publish
from run import ensure_wrk, log
from servers import BENCH, Moorage, make_workdir, remove_workdir
from workloads import ACCEPT, SMALL_REPO, Context, setup_small

from moorage.distribution.limits import Limits
from moorage.registry.settings import RequestLimits

CONNECTIONS = 32
SECONDS = 5
OFF, HIGH, CONTROL = "limits off", "limits set high", "limits set high too"
HIGH_LIMITS = {"maxRunning": 10_000, "maxInQueue": 10_000, "maxWaitInQueue": "1m"}
UNREACHED = RequestLimits(max_running=10_000, max_in_queue=10_000, max_wait=60.0)  # the same
CONFIG = "/apis/imageregistry.operator.openshift.io/v1/configs/cluster"
WRK = BENCH / ".work" / "wrk-head"
REGISTRY_PID = re.compile(r'msg="registry listening on [^"]+" pid=(\d+)')


def api_json(server: Moorage, method: str, body: object = None) -> dict[str, object]:
    conn = http.client.HTTPConnection("127.0.0.1", server.api_port, timeout=30)
    headers = {
        "Authorization": f"Bearer {server.api_token}",
        "Content-Type": "application/merge-patch+json",
    }
    conn.request(method, CONFIG, body=None if body is None else json.dumps(body), headers=headers)
    answer = conn.getresponse()
    text = answer.read()
    conn.close()
    if answer.status != 200:
        raise RuntimeError(f"{method} {CONFIG}: {answer.status} {text[:300]!r}")
    return json.loads(text)


def roll_out(server: Moorage, spec: dict[str, object], timeout: float = 120) -> None:
    """Patch the Config's spec and wait until every replica runs with it."""
    generation = api_json(server, "PATCH", {"spec": spec})["metadata"]
    deadline = time.monotonic() + timeout
    while not settled(api_json(server, "GET"), generation["generation"]):  # type: ignore[index]
        if time.monotonic() > deadline:
            raise RuntimeError(f"{spec} did not roll out on {server.name}")
        time.sleep(0.2)


def settled(config: dict, generation: int) -> bool:  # type: ignore[type-arg]
    status = config.get("status") or {}
    progressing = [c for c in status.get("conditions", []) if c["type"] == "Progressing"]
    return (
        status.get("observedGeneration") == generation
        and bool(progressing)
        and progressing[0]["status"] == "False"
    )


def targets(server: Moorage, ctx: Context) -> list[tuple[str, str, str | None, str]]:
    layer = ctx.state[(server.name, "layer")]
    return [
        ("manifest GET by tag", "GET", ACCEPT, f"/v2/{SMALL_REPO}/manifests/v1"),
        ("blob HEAD", "HEAD", None, f"/v2/{SMALL_REPO}/blobs/{layer}"),
    ]


@dataclass
class Run:
    rps: float
    cpu_us: float  # the registry replicas' CPU time per request, in microseconds
    bad: int


Figures = dict[tuple[str, str], list[Run]]


def fast_path_us(calls: int = 200_000, rounds: int = 5) -> float:
    """CPU microseconds the limits middleware adds to a request when its limits are not
    reached, in-process: the least of `rounds` differences between calling a handler through
    the middleware and directly. The handler's response counts as written already, since
    writing it is aiohttp's work with limits or without."""
    limits = Limits(UNREACHED, UNREACHED)
    response = web.StreamResponse()
    response._payload_writer = object()  # type: ignore[assignment]  # "prepared"
    request = make_mocked_request("GET", f"/v2/{SMALL_REPO}/manifests/v1")

    async def handler(_request: web.Request) -> web.StreamResponse:
        return response

    async def timed(call: Callable[[], Awaitable[web.StreamResponse]]) -> float:
        began = time.process_time()
        for _ in range(calls):
            await call()
        return time.process_time() - began

    async def rounds_of() -> float:
        added = []
        for _ in range(rounds):
            direct = await timed(lambda: handler(request))
            limited = await timed(lambda: limits.middleware(request, handler))
            added.append((limited - direct) / calls * 1e6)
        return min(added)

    return asyncio.run(rounds_of())


def registry_cpu(server: Moorage) -> float:
    """CPU seconds of the server's registry replicas alone (not its API or operator, whose
    steady background work would otherwise weigh more per request when fewer are served)."""
    pids = {int(p) for p in REGISTRY_PID.findall(server.log_path.read_text())}
    return sum(procstat.cpu_seconds(pid) or 0.0 for pid in pids)


def measure(ctx: Context, servers: dict[str, Moorage], reps: int) -> tuple[Figures, list[float]]:
    figures: Figures = {}
    load: list[float] = []
    pairs = list(servers.items())
    for rep in range(reps):
        for index in range(len(targets(servers[HIGH], ctx))):
            for which, server in pairs if rep % 2 == 0 else reversed(pairs):
                label, method, accept, path = targets(server, ctx)[index]
                authorization = credentials.REGISTERED[server.host].authorization(SMALL_REPO)
                script = wrk.lua_script(ctx.workdir / f"{index}.lua", method, accept, authorization)
                load.append(os.getloadavg()[0])
                cpu = registry_cpu(server)
                got = wrk.run(ctx.wrk, f"http://{server.host}{path}", script, CONNECTIONS, SECONDS)
                cpu_us = (registry_cpu(server) - cpu) / got.requests * 1e6
                figures.setdefault((label, which), []).append(
                    Run(got.requests_per_second, cpu_us, got.bad)
                )
                log(
                    f"rep {rep + 1}: {label}, {which}: {got.requests_per_second:,.0f} req/s, "
                    f"{cpu_us:,.0f} µs CPU/request"
                )
    load.append(os.getloadavg()[0])
    return figures, load


def render(figures: Figures, first: str, reps: int, load: list[float], fast_path: float) -> str:
    lines = [
        "## Request limits when not reached (bench/limits.py"
        + (" --control)" if first == CONTROL else ")"),
        "",
        *(line for line in machine(BENCH.parent, WRK) if "distribution" not in line),
        f"- Load average (1 min) sampled before each measurement: min {min(load):.1f}, "
        f"median {statistics.median(load):.1f}, max {max(load):.1f} on {os.cpu_count()} cores",
        "",
        f"`.venv/bin/python bench/limits.py`: SQLite, 2 workers per server; wrk -t2 "
        f"-c{CONNECTIONS} -d{SECONDS}s; {reps} repetitions alternating the two servers (A B, "
        f"then B A). High limits: spec.requests.read and .write = {json.dumps(HIGH_LIMITS)}. "
        f"Ratio: {HIGH} / {first}; each repetition's pair (measured back to back) "
        "gives a ratio, shown as median and range. Registry CPU µs: the CPU time of the "
        "server's registry replicas per request (from /proc), which other load disturbs less "
        "than req/s.",
        "",
        f"| request, measure | {first} | {HIGH} | ratio of medians "
        "| median (range) of paired ratios | all repetitions (first column's; second's) "
        "| failed |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for request in dict.fromkeys(r for r, _ in figures):
        off, high = figures[(request, first)], figures[(request, HIGH)]
        failed = sum(r.bad for r in (*off, *high))
        rps = _row(f"{request}: req/s", [r.rps for r in off], [r.rps for r in high])
        cpu = _row(f"{request}: registry CPU µs", [r.cpu_us for r in off], [r.cpu_us for r in high])
        lines += [f"{rps} {failed} |", f"{cpu} |"]
    lines += [
        "",
        f"In-process (`fast_path_us`): the middleware adds {fast_path:.2f} µs of CPU to a "
        "request whose limits are not reached (least of 5 rounds of 200,000 calls).",
    ]
    return "\n".join(lines) + "\n"


def _row(name: str, off: list[float], high: list[float]) -> str:
    """A table row without its last cell: medians, their ratio, the paired ratios."""
    paired = [h / o for o, h in zip(off, high, strict=True)]
    runs = "; ".join(", ".join(f"{v:,.0f}" for v in values) for values in (off, high))
    return (
        f"| {name} | {statistics.median(off):,.0f} | {statistics.median(high):,.0f} | "
        f"{statistics.median(high) / statistics.median(off):.3f} | "
        f"{statistics.median(paired):.3f} ({min(paired):.3f}-{max(paired):.3f}) | {runs} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=6)
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--no-results", action="store_true", help="print only")
    parser.add_argument(
        "--control", action="store_true", help="both servers get the high limits (A/A: noise)"
    )
    args = parser.parse_args()
    workdir = make_workdir(None)
    ctx = Context(sizes=None, source=Path(), workdir=workdir, wrk=ensure_wrk(WRK))  # type: ignore[arg-type]
    first = CONTROL if args.control else OFF
    servers = {first: Moorage("first", workdir / "first"), HIGH: Moorage("high", workdir / "high")}
    high = {"requests": {"read": HIGH_LIMITS, "write": HIGH_LIMITS}}
    try:
        for server in servers.values():
            server.start()
            setup_small(server, ctx)
        # Both servers' replicas are replaced once, so both run replicas of the same age.
        roll_out(servers[first], high if args.control else {"httpSecret": os.urandom(32).hex()})
        roll_out(servers[HIGH], high)
        figures, load = measure(ctx, servers, args.reps)
    finally:
        for server in servers.values():
            if server.process is not None and server.process.poll() is None:
                server.stop()
        remove_workdir(workdir)
    text = render(figures, first, args.reps, load, fast_path_us())
    publish(text, args.results, keep=not args.no_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
