"""Kubernetes resource quantities ("10", "1500m", "2Gi", "1e3") as whole numbers, and back."""

import re
from decimal import Decimal

QUANTITY = r"^[0-9]+(\.[0-9]+)?([EPTGM]i?|Ki|k|[mun]|e[0-9]+)?$"
_PATTERN = re.compile(QUANTITY)
_SUFFIXES = {
    "": Decimal(1),
    "m": Decimal("0.001"),
    "u": Decimal("0.000001"),
    "n": Decimal("0.000000001"),
    **{s: Decimal(1000) ** (i + 1) for i, s in enumerate("kMGTPE")},
    **{f"{s}i": Decimal(1024) ** (i + 1) for i, s in enumerate("KMGTPE")},
}
_BINARY = [(s, int(v)) for s, v in reversed(_SUFFIXES.items()) if s.endswith("i")]


def is_quantity(text: str) -> bool:
    return bool(_PATTERN.match(text))


def parse_quantity(text: str) -> int:
    """The quantity rounded up to a whole number (a limit of 1500m objects allows 2);
    ValueError when `text` is not one."""
    if not is_quantity(text):
        raise ValueError(f"quantities must match the regular expression {QUANTITY!r}")
    number, suffix = re.match(r"^([0-9.]+)(.*)$", text).groups()  # type: ignore[union-attr]
    if suffix.startswith("e"):
        value = Decimal(number).scaleb(int(suffix[1:]))
    else:
        value = Decimal(number) * _SUFFIXES[suffix]
    return int(value.to_integral_value(rounding="ROUND_CEILING"))


def format_bytes(size: int) -> str:
    """As Kubernetes prints a byte count it computed: the largest binary suffix that divides
    it exactly ("1Gi", "1536Ki"), else plain bytes."""
    for suffix, unit in _BINARY:
        if size and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)
