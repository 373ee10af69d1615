"""Go-style durations, as OpenShift's fields spell them: 30s, 1m30s, 1.5h, 250ms."""

import re

SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)")


def seconds(duration: str) -> float:
    """How many seconds `duration` (one or more number-unit parts, summed) stands for."""
    parts = PART.findall(duration)
    if not parts or "".join(number + unit for number, unit in parts) != duration:
        raise ValueError(f"{duration!r} is not a duration such as 30s, 1m or 1h30m")
    return sum(float(number) * SECONDS[unit] for number, unit in parts)
