"""Moorage against distribution (Debian's docker-registry), workloads alternated A B A B.

.venv/bin/python bench/run.py                 # full run, 6-7 minutes -> bench/RESULTS.md
.venv/bin/python bench/run.py --quick         # small sizes, checks the harness
.venv/bin/python bench/run.py --only small,skopeo
"""

import argparse
import os
import re
import subprocess
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

import report
from blobs import ensure_source
from servers import BENCH, Distribution, Moorage, Server, Sink, make_workdir, remove_workdir
from workloads import FULL, QUICK, WORKLOADS, Context, Workload

WORK = BENCH / ".work"
ROOT = BENCH.parent


def parse_args() -> argparse.Namespace:
    names = ",".join(w.name for w in WORKLOADS)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, 2 repetitions, 1 s wrk")
    parser.add_argument("--only", default=names, help=f"workloads to run, from: {names}")
    parser.add_argument(
        "--reps", type=int, help="repetitions per server (default 3; 2 with --quick)"
    )
    parser.add_argument(
        "--output", type=Path, help="default bench/RESULTS.md (.work/ with --quick)"
    )
    parser.add_argument("--wrk", type=Path, default=WORK / "wrk-head", help="HEAD-capable wrk")
    parser.add_argument("--tmp", type=Path, help="where the servers' fresh data dirs go")
    parser.add_argument("--keep", action="store_true", help="keep data dirs and logs")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def ensure_wrk(path: Path) -> Path:
    if not path.exists():
        log(f"building the HEAD-capable wrk into {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        script = Path("/work/shared/tools/wrk-head/build-wrk-head.sh")
        subprocess.run(["bash", str(script), str(path)], check=True)
    return path


def select(only: str) -> list[Workload]:
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    unknown = set(wanted) - {w.name for w in WORKLOADS}
    if unknown:
        raise SystemExit(f"unknown workloads: {', '.join(sorted(unknown))}")
    return [w for w in WORKLOADS if w.name in wanted]


def measure_sink(
    ctx: Context, chosen: list[Workload], results: report.Results, failures: list[str]
) -> None:
    """The same transfers against a trivial sink: what the client alone can do."""
    sink = Sink("sink", ctx.workdir / "sink", source=ctx.source).start()
    try:
        for workload in (w for w in chosen if w.on_sink):
            log(f"{workload.name} against the sink ...")
            try:
                workload.setup(sink, ctx)
                for rep in range(ctx.sizes.reps):
                    results.add("sink", workload.measure(sink, ctx, rep))
            except Exception as error:
                failures.append(f"client ceiling for {workload.name} failed: {error!r}")
                traceback.print_exc()
    finally:
        sink.stop()


def alternate(
    ctx: Context, workload: Workload, servers: list[Server], results: report.Results
) -> None:
    """Setup on every server, then A B A B ... for each repetition."""
    for server in servers:
        assert server.monitor is not None
        server.monitor.reset_window()
        workload.setup(server, ctx)
    for rep in range(ctx.sizes.reps):
        for server in servers:
            assert server.monitor is not None
            before = server.monitor.cpu_total()
            results.add(server.name, workload.measure(server, ctx, rep))
            results.add_cpu(workload.name, server.name, server.monitor.cpu_total() - before)
    for server in servers:
        assert server.monitor is not None
        server.monitor.sample()
        peaks = (server.monitor.window_sum_kib / 1024, server.monitor.window_one_kib / 1024)
        results.rss.setdefault(workload.name, {})[server.name] = peaks


def resources(server: Server) -> dict[str, float]:
    assert server.monitor is not None
    server.monitor.sample()
    return {
        "peak_sum_mib": max(server.monitor.peak_sum_kib, server.monitor.peak_one_kib) / 1024,
        "peak_one_mib": server.monitor.peak_one_kib / 1024,
        "cpu_seconds": server.monitor.cpu_total(),
        "processes": server.monitor.processes(),
    }


def problems(servers: list[Server], failures: list[str]) -> list[str]:
    found = list(failures)
    for server in servers:
        errors = server.log_errors()
        if errors:
            found.append(
                f"{server.name} logged {len(errors)} error lines, first: `{errors[0][:300]}`"
            )
    return found


def render(
    described: list[str],
    results: report.Results,
    used: dict[str, dict[str, float]],
    notes: list[str],
    found: list[str],
) -> str:
    lines = ["# Benchmark: moorage against distribution 2.8", "", *described]
    lines += [f"- {note}" for note in notes]
    lines += ["", "## Medians", "", *report.main_table(results), ""]
    lines += [
        "Ratios are moorage/distribution of the medians. For MB/s and req/s higher is better; "
        "for p99 latency (ms) and wall seconds (s) lower is better, so a ratio under 1 means "
        "moorage is faster. MB/s = 10^6 bytes per second. The client ceiling is the same "
        "client against bench/sink.py, a server that discards uploads and serves downloads "
        "with sendfile.",
        "",
        "(*) distribution 2.8 answers POST ?digest= with 202 and does not take the body "
        "(the spec allows it), so it gets the spec's other monolithic form, POST then one PUT "
        '?digest= with the whole body; moorage gets the single POST. The row "POST then PUT" '
        "uses the same two-request form on both.",
        "",
        "## Server resources over the whole run",
        "",
        *report.resource_table(used),
        "",
        "Peak RSS of all processes is the largest sum of VmRSS seen by sampling every 0.2 s "
        "(or the largest VmHWM, if higher); peak RSS of one process is the largest VmHWM. "
        "CPU seconds are utime + stime of every process of the server.",
        "",
        "## Peak RSS during each workload, MiB (sampled VmRSS, setup included)",
        "",
        *report.rss_table(results),
        "",
        "## Server CPU seconds per repetition (median)",
        "",
        *report.cpu_table(results),
        "",
        "## Every repetition",
        "",
        *report.raw_table(results),
        "",
        "## Problems seen",
        "",
        *([f"- {p}" for p in found] or ["- none"]),
    ]
    return "\n".join(lines) + "\n"


def run_servers(
    ctx: Context, chosen: list[Workload], results: report.Results, failures: list[str]
) -> tuple[list[Server], dict[str, dict[str, float]]]:
    """Both registries up for the whole run; every workload alternated between them."""
    servers: list[Server] = [
        Distribution("distribution", ctx.workdir / "distribution"),
        Moorage("moorage", ctx.workdir / "moorage"),
    ]
    started: list[Server] = []
    try:
        for server in servers:
            started.append(server.start())
        for workload in chosen:
            log(f"{workload.name} ...")
            try:
                alternate(ctx, workload, servers, results)
            except Exception as error:
                failures.append(f"workload {workload.name} failed: {error!r}")
                traceback.print_exc()
        used = {s.name: resources(s) for s in servers}
    finally:
        codes = {s.name: s.stop() for s in started}
    codes.pop("distribution")  # it has no SIGTERM handler: -15 is its normal end
    failures += [f"{name} exited with {code} on SIGTERM" for name, code in codes.items() if code]
    return servers, used


def statuses(server: Server) -> str:
    """moorage's responses counted by status, from its request log."""
    text = server.log_path.read_text(errors="replace")
    counts = Counter(re.findall(r"http\.response\.status=(\d+)", text))
    return ", ".join(f"{code}: {n}" for code, n in sorted(counts.items()))


def run(args: argparse.Namespace, ctx: Context, chosen: list[Workload], output: Path) -> int:
    described = report.machine(ROOT, ctx.wrk)  # before the run: the code that was measured
    load_before = os.getloadavg()
    began = time.monotonic()
    results, failures = report.Results(), []
    log(f"work dir {ctx.workdir}; workloads {', '.join(w.name for w in chosen)}")
    measure_sink(ctx, chosen, results, failures)
    servers, used = run_servers(ctx, chosen, results, failures)
    moorage = servers[1]
    if re.search(r"status=5\d\d", moorage.log_path.read_text(errors="replace")):
        failures.append("moorage answered 5xx: see the status counts above")
    minutes = (time.monotonic() - began) / 60
    notes = [
        f"Sizes: {'--quick' if args.quick else 'full'}; {ctx.sizes.reps} alternated repetitions "
        f"per server; wrk -t2 -d{ctx.sizes.wrk_seconds}s --latency; run took {minutes:.1f} min",
        "Load average (1/5/15 min) before: {:.2f} {:.2f} {:.2f}; ".format(*load_before)
        + "after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
        f"moorage log: {moorage.log_path.stat().st_size / 1e6:.1f} MB at --log-level Normal; "
        f"responses by status: {statuses(moorage)}",
    ]
    text = render(described, results, used, notes, problems(servers, failures))
    print(text)
    output.write_text(text)
    log(f"written {output}")
    return 1 if failures else 0


def main() -> int:
    args = parse_args()
    sizes = QUICK if args.quick else FULL
    if args.reps:
        sizes.reps = args.reps
    chosen = select(args.only)
    output = args.output or (WORK / "RESULTS-quick.md" if args.quick else BENCH / "RESULTS.md")
    WORK.mkdir(exist_ok=True)
    source = ensure_source(WORK / "source.bin", 1024 * 1024 * 1024)
    ctx = Context(sizes, source, make_workdir(args.tmp), ensure_wrk(args.wrk))
    try:
        return run(args, ctx, chosen, output)
    finally:
        if args.keep:
            log(f"kept {ctx.workdir}")
        else:
            remove_workdir(ctx.workdir)


if __name__ == "__main__":
    sys.exit(main())
