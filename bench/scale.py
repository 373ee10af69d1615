"""The request path as the data grows: an empty store beside one with 10,000 projects.

.venv/bin/python bench/scale.py     # populating takes minutes; appends to bench/RESULTS.md

Two `moorage serve` (SQLite, 2 workers each) in one run: one on a fresh store, one on
a store populated as bench/population.py describes (10,000 projects, 40,000 role
bindings, 100,000 tags, 50,000 RBAC events). Both get bench/small (workloads.setup_small)
and a non-admin user `dev`, logged in through htpasswd and granted registry-viewer in
project bench only, so both servers answer dev the same. Every request carries dev's
API token as a Basic password (the path that asks RBAC each time); wrk -t2 -c32 -d5s on
each request, alternating the two servers (A B, then B A), --reps times. The machine's load
average is sampled around every measurement: other work on it shows in the report.
"""

import argparse
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import population
import wrk
from credentials import BasicCredentials
from report import git_revision, machine, publish
from run import ensure_wrk, log
from servers import BENCH, PROJECT, Moorage, make_workdir, remove_workdir
from workloads import ACCEPT, SMALL_REPO, Context, setup_small

CONNECTIONS = 32
SECONDS = 5
DEV, DEV_PASSWORD = "dev", "dev-password"
EMPTY, POPULATED = "empty store", "populated store"
WRK = BENCH / ".work" / "wrk-head"


@dataclass
class ScaleMoorage(Moorage):
    """moorage with an htpasswd file holding `dev`, who may pull from project bench."""

    dev_token: str = ""

    def command(self) -> list[str]:
        htpasswd = self.workdir / "htpasswd"
        hashed = bcrypt.hashpw(DEV_PASSWORD.encode(), bcrypt.gensalt(5)).decode()
        htpasswd.write_text(f"{DEV}:{hashed}\n")
        return [*super().command(), "--htpasswd-file", str(htpasswd)]

    def prepare(self) -> None:
        super().prepare()
        self.dev_token = self.login(DEV, DEV_PASSWORD)
        binding = {
            "metadata": {"name": "dev-views"},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "ClusterRole",
                "name": "registry-viewer",
            },
            "subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": DEV}],
        }
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {self.api_token}"}
        path = f"/apis/rbac.authorization.k8s.io/v1/namespaces/{PROJECT}/rolebindings"
        status = self.api("POST", path, json.dumps(binding), headers)
        if status not in (201, 409):
            raise RuntimeError(f"could not let dev pull from {PROJECT}: {status}")


def targets(server: ScaleMoorage, ctx: Context) -> list[tuple[str, str, str | None, str]]:
    """(label, method, Accept, path) of each request measured."""
    layer = ctx.state[(server.name, "layer")]
    token = f"/openshift/token?service={server.host}&scope=repository:{SMALL_REPO}:pull"
    return [
        ("manifest GET by tag", "GET", ACCEPT, f"/v2/{SMALL_REPO}/manifests/v1"),
        ("manifest HEAD by tag", "HEAD", ACCEPT, f"/v2/{SMALL_REPO}/manifests/v1"),
        ("blob HEAD", "HEAD", None, f"/v2/{SMALL_REPO}/blobs/{layer}"),
        ("token (pull scope)", "GET", None, token),
        ("catalog (dev sees 1 repository)", "GET", None, "/v2/_catalog"),
    ]


Figures = dict[tuple[str, str], list[wrk.WrkResult]]


def measure(
    ctx: Context, servers: dict[str, ScaleMoorage], reps: int
) -> tuple[Figures, list[float]]:
    figures: Figures = {}
    load: list[float] = []
    for rep in range(reps):
        for index, target in enumerate(targets(servers[EMPTY], ctx)):
            pairs = list(servers.items())
            for which, server in pairs if rep % 2 == 0 else reversed(pairs):  # A B, then B A
                label, method, accept, path = targets(server, ctx)[index]
                authorization = BasicCredentials(DEV, server.dev_token).authorization(SMALL_REPO)
                script = wrk.lua_script(ctx.workdir / f"{index}.lua", method, accept, authorization)
                load.append(os.getloadavg()[0])
                got = wrk.run(ctx.wrk, f"http://{server.host}{path}", script, CONNECTIONS, SECONDS)
                figures.setdefault((target[0], which), []).append(got)
                log(f"rep {rep + 1}: {label}, {which}: {got.requests_per_second:,.0f} req/s")
    load.append(os.getloadavg()[0])
    return figures, load


def render(
    figures: Figures, reps: int, load: list[float], shape: population.Shape, minutes: float
) -> str:
    medians = {k: statistics.median(r.requests_per_second for r in v) for k, v in figures.items()}
    lines = [
        "## The request path as the data grows (bench/scale.py)",
        "",
        *(line for line in machine(BENCH.parent, WRK) if "distribution" not in line),
        f"- Load average (1 min) sampled before each measurement: min {min(load):.1f}, "
        f"median {statistics.median(load):.1f}, max {max(load):.1f} on {os.cpu_count()} cores "
        "(other engineers' tests ran at the same time)",
        "",
        f"`.venv/bin/python bench/scale.py`: moorage {git_revision(BENCH.parent)}, SQLite, "
        f"2 workers per server; wrk -t2 -c{CONNECTIONS} -d{SECONDS}s; {reps} repetitions "
        "alternating the two servers (A B, then B A), medians. Populated store: "
        f"{shape.projects:,} projects ({4 * shape.projects:,} role bindings, "
        f"{3 * shape.projects:,} service accounts), {shape.projects * shape.tags:,} tags, "
        f"{5 * shape.projects:,} RBAC events, written in {minutes:.1f} min. Every request "
        "carries the non-admin `dev`'s API token as Basic password.",
        "",
        "Ratios are populated / empty. The load on the machine drifts between repetitions, so "
        "each repetition's pair (measured back to back) gives a ratio, and the table shows "
        "their median and range beside the ratio of the medians.",
        "",
        f"| request | {EMPTY} req/s | {POPULATED} req/s | ratio of medians "
        "| median (range) of paired ratios | all repetitions (empty; populated) | failed |",
        "| --- | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for request in dict.fromkeys(r for r, _ in figures):
        empty, populated = figures[(request, EMPTY)], figures[(request, POPULATED)]
        ratio = medians[(request, POPULATED)] / medians[(request, EMPTY)]
        paired = [
            p.requests_per_second / e.requests_per_second
            for e, p in zip(empty, populated, strict=True)
        ]
        reps_text = "; ".join(
            ", ".join(f"{r.requests_per_second:,.0f}" for r in runs) for runs in (empty, populated)
        )
        failed = sum(r.bad for r in (*empty, *populated))
        lines.append(
            f"| {request} | {medians[(request, EMPTY)]:,.0f} | "
            f"{medians[(request, POPULATED)]:,.0f} | {ratio:.2f} | "
            f"{statistics.median(paired):.2f} ({min(paired):.2f}-{max(paired):.2f}) | "
            f"{reps_text} | {failed} |"
        )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--projects", type=int, default=10_000)
    parser.add_argument("--results", type=Path, default=BENCH / "RESULTS.md")
    parser.add_argument("--no-results", action="store_true", help="print only")
    args = parser.parse_args()
    workdir = make_workdir(None)
    ctx = Context(sizes=None, source=Path(), workdir=workdir, wrk=ensure_wrk(WRK))  # type: ignore[arg-type]
    servers = {
        EMPTY: ScaleMoorage("empty", workdir / "empty"),
        POPULATED: ScaleMoorage("populated", workdir / "populated"),
    }
    try:
        for server in servers.values():
            server.start()
            setup_small(server, ctx)
        populated = servers[POPULATED]
        populated.stop()
        began = time.monotonic()
        log(f"populating {args.projects:,} projects")
        shape = population.Shape(projects=args.projects)
        population.populate(populated.workdir / "data", populated.host, shape)
        populate_minutes = (time.monotonic() - began) / 60
        log(f"populated in {populate_minutes:.1f} min")
        populated.start()
        figures, load = measure(ctx, servers, args.reps)
    finally:
        for server in servers.values():
            if server.process is not None and server.process.poll() is None:
                server.stop()
        remove_workdir(workdir)
    text = render(figures, args.reps, load, shape, populate_minutes)
    publish(text, args.results, keep=not args.no_results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
