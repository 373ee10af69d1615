"""Small-request load with wrk (the HEAD-capable build), and its output parsed."""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


@dataclass
class WrkResult:
    requests_per_second: float
    p99_ms: float
    requests: int
    bad: int  # non-2xx/3xx responses plus socket errors


def lua_script(
    path: Path, method: str, accept: str | None, authorization: str | None = None
) -> Path:
    """A wrk script setting the method and, when given, the Accept and Authorization headers."""
    lines = [f'wrk.method = "{method}"']
    if accept:
        lines.append(f'wrk.headers["Accept"] = "{accept}"')
    if authorization:
        lines.append(f'wrk.headers["Authorization"] = "{authorization}"')
    path.write_text("\n".join(lines) + "\n")
    return path


def to_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", value).groups()  # type: ignore[union-attr]
    return float(number) * UNITS[unit]


def parse(output: str) -> WrkResult:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p99 = re.search(r"^\s*99%\s+(\S+)", output, re.MULTILINE)
    total = re.search(r"(\d+) requests in", output)
    if not (rps and p99 and total):
        raise ValueError(f"unexpected wrk output:\n{output}")
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:(.*)", output)
    bad = int(non2xx.group(1)) if non2xx else 0
    if errors:
        bad += sum(int(n) for n in re.findall(r"\d+", errors.group(1)))
    return WrkResult(float(rps.group(1)), to_ms(p99.group(1)), int(total.group(1)), bad)


def run(wrk: Path, url: str, script: Path, connections: int, seconds: int) -> WrkResult:
    """`wrk -t2 -cN -dSs --latency -s SCRIPT URL`."""
    command = [str(wrk), "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["-s", str(script), url]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 60)
    return parse(done.stdout)
