"""When free space counts as low: below 5% of the volume or 1 GiB, whichever is smaller."""

from pathlib import Path

from moorage.observability.space import Space, measure
from tests.support.volumes import MiB, fill, small_volume

GiB = 1024 * MiB


def test_a_small_volume_is_low_below_five_percent() -> None:
    assert Space(Path("/data"), 1 * MiB, 24 * MiB).low
    assert not Space(Path("/data"), 2 * MiB, 24 * MiB).low


def test_a_large_volume_is_low_below_one_gib() -> None:
    assert Space(Path("/data"), GiB // 2, 1024 * GiB).low
    assert not Space(Path("/data"), 2 * GiB, 1024 * GiB).low


def test_the_warning_says_how_much_is_left_and_where() -> None:
    warning = Space(Path("/data"), MiB // 2, 24 * MiB).warning()
    assert "0.5 MiB free of 24.0 MiB (2.1%) on /data" in warning


def test_the_notice_for_api_callers_does_not_say_where_the_data_lives() -> None:
    notice = Space(Path("/srv/registry"), MiB // 2, 24 * MiB).notice()
    assert "0.5 MiB free of 24.0 MiB (2.1%);" in notice
    assert "/srv/registry" not in notice


def test_measure_reads_the_volume_a_path_is_on(tmp_path: Path) -> None:
    with small_volume(tmp_path / "volume", 4) as volume:
        assert measure(volume).total == 4 * MiB and not measure(volume).low
        fill(volume / "filler")
        assert measure(volume).free == 0 and measure(volume).low
