"""Authenticated small requests: what access control costs moorage, against distribution.

.venv/bin/python bench/auth.py            # about 3 minutes -> bench/AUTH-RESULTS.md

manifest GET by tag and blob HEAD at 64 connections, wrk -t2 -d5s, 3 repetitions
alternated across:
- moorage with a registry token (Bearer JWT from /openshift/token, as podman and
  skopeo use it), with an API token as Basic password on every request, and
  anonymous on a project that grants system:image-puller to system:unauthenticated;
- distribution 2.8 open (no auth), and with its htpasswd access controller (Basic on
  every request). distribution's token auth needs a separate token server with
  certificates; htpasswd is the auth it can run alone.
"""

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import credentials
import wrk
from run import ensure_wrk, log
from servers import (
    BENCH,
    Distribution,
    DistributionHtpasswd,
    Moorage,
    MoorageAt,
    Server,
    make_workdir,
    remove_workdir,
)
from workloads import ACCEPT, SMALL_REPO, Context, setup_small

WORK = BENCH / ".work"
CONNECTIONS = 64
MANIFEST, BLOB = "manifest GET by tag", "blob HEAD"
BASELINE = "baseline"
PUBLIC_PULL = {
    "metadata": {"name": "public-pull"},
    "roleRef": {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "system:image-puller",
    },
    "subjects": [
        {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:unauthenticated"}
    ],
}
# (row label, server name, how its requests are authorized)
Variant = tuple[str, str, Callable[[Server], str | None]]


def registered(server: Server) -> str | None:
    """What the server's registered credentials send: moorage's JWT, distribution's Basic."""
    return credentials.for_host(server.host).authorization(SMALL_REPO)


def basic_api_token(server: Server) -> str | None:
    assert isinstance(server, Moorage)
    return credentials.BasicCredentials("bench", server.api_token).authorization(SMALL_REPO)


def anonymous(server: Server) -> str | None:
    return None


VARIANTS: list[Variant] = [
    ("moorage, registry token (Bearer JWT)", "moorage", registered),
    ("moorage, API token as Basic password", "moorage", basic_api_token),
    ("moorage, anonymous on a public project", "moorage", anonymous),
    ("distribution, htpasswd (Basic)", "distribution-htpasswd", registered),
    ("distribution, open", "distribution", anonymous),
]


def variants(servers: dict[str, Server]) -> list[Variant]:
    chosen = [v for v in VARIANTS if v[1] in servers]
    if BASELINE in servers:
        baseline = servers[BASELINE]
        assert isinstance(baseline, MoorageAt)
        label = f"moorage {baseline.revision}, before access control"
        chosen.append((label, BASELINE, anonymous))
    return chosen


def worktree(revision: str, workdir: Path) -> Path:
    """A checkout of `revision` to run; returns its src/ directory."""
    path = workdir / f"moorage-{revision}"
    subprocess.run(
        ["git", "-C", str(BENCH.parent), "worktree", "add", "--detach", str(path), revision],
        check=True,
        capture_output=True,
    )
    return path / "src"


def remove_worktree(src: Path) -> None:
    subprocess.run(
        ["git", "-C", str(BENCH.parent), "worktree", "remove", "--force", str(src.parent)],
        check=False,
        capture_output=True,
    )


def open_project_to_anonymous_pulls(server: Moorage) -> None:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {server.api_token}"}
    path = "/apis/rbac.authorization.k8s.io/v1/namespaces/bench/rolebindings"
    status = server.api("POST", path, json.dumps(PUBLIC_PULL), headers)
    if status not in (201, 409):
        raise RuntimeError(f"could not open bench to anonymous pulls: {status}")


def measure(ctx: Context, server: Server, variant: Variant, request: str) -> wrk.WrkResult:
    if request == MANIFEST:
        label, method = f"/v2/{SMALL_REPO}/manifests/v1", "GET"
    else:  # each server has its own random layer
        label, method = f"/v2/{SMALL_REPO}/blobs/{ctx.state[(server.name, 'layer')]}", "HEAD"
    authorization = variant[2](server)
    accept = ACCEPT if "manifests" in label else None
    script = wrk.lua_script(
        ctx.workdir / f"{variant[0][:12]}-{method}.lua", method, accept, authorization
    )
    return wrk.run(ctx.wrk, f"http://{server.host}{label}", script, CONNECTIONS, 5)


Figures = dict[tuple[str, str], list[wrk.WrkResult]]


def run(ctx: Context, servers: dict[str, Server], reps: int) -> Figures:
    figures: Figures = {}
    for rep in range(reps):
        for name in (MANIFEST, BLOB):
            for variant in variants(servers):
                got = measure(ctx, servers[variant[1]], variant, name)
                figures.setdefault((name, variant[0]), []).append(got)
                log(f"rep {rep + 1}: {name}, {variant[0]}: {got.requests_per_second:,.0f} req/s")
    return figures


def render(figures: Figures, reps: int, took: float) -> str:
    medians = {
        key: statistics.median(r.requests_per_second for r in results)
        for key, results in figures.items()
    }
    lines = [
        "# Authenticated small requests: moorage and distribution 2.8",
        "",
        f"`.venv/bin/python bench/auth.py`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"wrk -t2 -c{CONNECTIONS} -d5s, {reps} alternated repetitions, medians; "
        f"run took {took / 60:.1f} min. Same machine as bench/RESULTS.md.",
        "",
        "Failed counts non-2xx answers and socket errors (wrk times a request out after 2 s).",
        "",
        "| request | variant | req/s (median) | p99 ms (median) | all repetitions | failed |",
        "| --- | --- | ---: | ---: | --- | ---: |",
    ]
    for (request, variant), results in figures.items():
        all_reps = ", ".join(f"{r.requests_per_second:,.0f}" for r in results)
        p99 = statistics.median(r.p99_ms for r in results)
        failed = sum(r.bad for r in results)
        median = medians[(request, variant)]
        lines.append(
            f"| {request} | {variant} | {median:,.0f} | {p99:.1f} | {all_reps} | {failed} |"
        )
    lines += ["", "| request | ratio | value |", "| --- | --- | ---: |"]
    for request in dict.fromkeys(r for r, _ in figures):
        jwt = medians[(request, VARIANTS[0][0])]
        for other in dict.fromkeys(v for r, v in figures if r == request):
            if other != VARIANTS[0][0]:
                ratio = jwt / medians[(request, other)]
                lines.append(f"| {request} | registry token / {other} | {ratio:.2f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--output", type=Path, default=BENCH / "AUTH-RESULTS.md")
    parser.add_argument(
        "--baseline",
        metavar="REV",
        help="also run moorage at this git revision (e.g. one before access control)",
    )
    args = parser.parse_args()
    workdir = make_workdir(None)
    ctx = Context(sizes=None, source=Path(), workdir=workdir, wrk=ensure_wrk(WORK / "wrk-head"))  # type: ignore[arg-type]
    servers: dict[str, Server] = {
        "moorage": Moorage("moorage", workdir / "moorage"),
        "distribution": Distribution("distribution", workdir / "distribution"),
        "distribution-htpasswd": DistributionHtpasswd(
            "distribution-htpasswd", workdir / "htpasswd"
        ),
    }
    baseline_src = worktree(args.baseline, workdir) if args.baseline else None
    if baseline_src is not None:
        servers[BASELINE] = MoorageAt(
            BASELINE, workdir / "baseline", revision=args.baseline, source=baseline_src
        )
    began = time.monotonic()
    try:
        for server in servers.values():
            server.start()
            setup_small(server, ctx)
        moorage = servers["moorage"]
        assert isinstance(moorage, Moorage)
        open_project_to_anonymous_pulls(moorage)
        figures = run(ctx, servers, args.reps)
    finally:
        for server in servers.values():
            if server.process is not None:
                server.stop()
        if baseline_src is not None:
            remove_worktree(baseline_src)
        remove_workdir(workdir)
    text = render(figures, args.reps, time.monotonic() - began)
    print(text)
    args.output.write_text(text)
    log(f"written {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
