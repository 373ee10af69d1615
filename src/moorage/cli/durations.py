"""Durations as Go writes them (`1h`, `30m`, `90s`, `1h30m`, `1.5h`), in whole seconds."""

import re

from moorage.cli.errors import CliError

UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


def parse_duration(text: str) -> int:
    """Seconds in `text`; kubectl's rule: positive, and no finer than a second."""
    if not text or text == "0":
        raise CliError(f'invalid duration "{text}": it must be positive, e.g. 10m or 1h')
    position, total = 0, 0.0
    for match in PART.finditer(text):
        if match.start() != position:
            break
        total += float(match.group(1)) * UNITS[match.group(2)]
        position = match.end()
    if position != len(text):
        raise CliError(f'invalid duration "{text}": use a number and a unit, e.g. 90s, 30m, 1h30m')
    seconds = round(total, 6)
    if seconds <= 0:
        raise CliError(f'invalid duration "{text}": it must be positive')
    if seconds != int(seconds):
        raise CliError(f'invalid duration "{text}": it cannot be finer than a second')
    return int(seconds)


ZERO = re.compile(r"^0+(\.0*)?(ns|us|µs|ms|s|m|h)?$")


def parse_age(text: str, flag: str) -> str:
    """An age that may be zero (`0`, `0s`), as a Go duration: `--keep-younger-than`."""
    if text.startswith("-"):
        raise CliError(f"{flag} must be greater than or equal to 0")
    if ZERO.match(text):
        return "0s"
    return f"{parse_duration(text)}s"
