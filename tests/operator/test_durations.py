"""Durations read as Go's time.ParseDuration reads them."""

import pytest

from moorage.operator.durations import seconds


@pytest.mark.parametrize(
    ("duration", "expected"),
    [
        ("30s", 30.0),
        ("1m30s", 90.0),
        ("1h30m", 5400.0),
        ("1.5h", 5400.0),
        ("250ms", 0.25),
        ("2s500ms", 2.5),
        ("10us", 1e-5),
        ("10µs", 1e-5),
        ("1ns", 1e-9),
        ("0s", 0.0),
    ],
)
def test_each_part_is_a_number_and_a_unit_and_the_parts_add_up(
    duration: str, expected: float
) -> None:
    assert seconds(duration) == pytest.approx(expected)


@pytest.mark.parametrize("duration", ["", "30", "s", "1x", "1m 30s", "-1s", "1.s", "30sec"])
def test_anything_else_is_refused_with_the_text_it_was_given(duration: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        seconds(duration)
