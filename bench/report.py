"""The machine described, and the results as Markdown tables."""

import datetime
import os
import platform
import statistics
import subprocess
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

from workloads import Sample


def publish(text: str, results: Path, keep: bool) -> None:
    """Print a run's section and, when `keep`, append it to the results file."""
    print(text)
    if keep:
        with results.open("a") as out:
            out.write("\n" + text)
        print(f"appended to {results}", flush=True)


def first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except OSError as error:
        return f"unavailable ({error})"
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else "?"


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) / (1 << 20)
    return 0.0


def git_revision(root: Path) -> str:
    rev = first_line(["git", "-C", str(root), "rev-parse", "--short", "HEAD"])
    dirty = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain", "--", "src"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return rev + (" (src/ modified)" if dirty else "")


def machine(root: Path, wrk: Path) -> list[str]:
    return [
        f"- Date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M UTC}",
        f"- CPU: {cpu_model()}, nproc {os.cpu_count()}",
        f"- Memory: {memory_gib():.1f} GiB; kernel {platform.release()}; "
        f"Python {platform.python_version()}",
        f"- distribution: {first_line(['docker-registry', '--version'])}",
        f"- moorage: {version('moorage')} at git {git_revision(root)}",
        f"- wrk: {first_line([str(wrk), '--version'])}; "
        f"skopeo: {first_line(['skopeo', '--version'])}",
    ]


@dataclass
class Row:
    label: str
    unit: str
    higher_is_better: bool
    values: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class Results:
    rows: dict[str, Row] = field(default_factory=dict)
    cpu: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # workload -> server
    rss: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)  # MiB sum, one

    def add(self, server: str, samples: list[Sample]) -> None:
        for s in samples:
            row = self.rows.setdefault(s.label, Row(s.label, s.unit, s.higher_is_better))
            row.values.setdefault(server, []).append(s.value)

    def add_cpu(self, workload: str, server: str, seconds: float) -> None:
        self.cpu.setdefault(workload, {}).setdefault(server, []).append(seconds)


def rss_table(results: Results) -> list[str]:
    lines = [
        "| Workload | distribution: all / one process | moorage: all / one process |",
        "|---|--:|--:|",
    ]
    for workload, by_server in results.rss.items():
        cells = [by_server.get(s) for s in ("distribution", "moorage")]
        text = [f"{c[0]:.0f} / {c[1]:.0f}" if c else "—" for c in cells]
        lines.append(f"| {workload} | {text[0]} | {text[1]} |")
    return lines


def median(values: list[float] | None) -> float | None:
    return statistics.median(values) if values else None


def fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value < 10 else f"{value:.1f}"


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}" if a is not None and b else "—"


def main_table(results: Results) -> list[str]:
    lines = [
        "| Workload | Unit | distribution | moorage | moorage/distribution | Better |"
        " Client ceiling (sink) |",
        "|---|---|--:|--:|--:|---|--:|",
    ]
    for row in results.rows.values():
        d = median(row.values.get("distribution"))
        m = median(row.values.get("moorage"))
        ceiling = fmt(median(row.values.get("sink"))) if "sink" in row.values else ""
        better = "higher" if row.higher_is_better else "lower"
        lines.append(
            f"| {row.label} | {row.unit} | {fmt(d)} | {fmt(m)} | {ratio(m, d)} | {better} "
            f"| {ceiling} |"
        )
    return lines


def raw_table(results: Results) -> list[str]:
    lines = ["| Workload | distribution | moorage |", "|---|---|---|"]
    for row in results.rows.values():
        cells = [", ".join(map(fmt, row.values.get(s, []))) for s in ("distribution", "moorage")]
        lines.append(f"| {row.label} ({row.unit}) | {cells[0]} | {cells[1]} |")
    return lines


def cpu_table(results: Results) -> list[str]:
    lines = ["| Workload | distribution | moorage | moorage/distribution |", "|---|--:|--:|--:|"]
    for workload, by_server in results.cpu.items():
        d, m = median(by_server.get("distribution")), median(by_server.get("moorage"))
        lines.append(f"| {workload} | {fmt(d)} | {fmt(m)} | {ratio(m, d)} |")
    return lines


def resource_table(resources: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        "| Server | peak RSS, all processes (MiB) | peak RSS, one process (MiB) | CPU seconds"
        " | processes |",
        "|---|--:|--:|--:|--:|",
    ]
    for name, r in resources.items():
        lines.append(
            f"| {name} | {r['peak_sum_mib']:.0f} | {r['peak_one_mib']:.0f} "
            f"| {r['cpu_seconds']:.1f} | {r['processes']:.0f} |"
        )
    return lines
