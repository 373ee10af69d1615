"""Cron schedules as a CronJob reads them."""

from datetime import UTC, datetime

import pytest

from moorage.resources.cron import InvalidSchedule, parse


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_default_schedule_is_due_at_midnight_only() -> None:
    nightly = parse("0 0 * * *")
    assert nightly.due(at("2026-12-08T00:00:59"))
    assert not nightly.due(at("2026-12-08T00:01:00"))
    assert not nightly.due(at("2026-12-08T12:00:00"))


def test_every_minute() -> None:
    assert parse("* * * * *").due(at("2026-12-08T13:47:05"))


@pytest.mark.parametrize(
    ("schedule", "due", "not_due"),
    [
        ("*/15 * * * *", "2026-12-08T10:45:00", "2026-12-08T10:50:00"),
        ("5-10/5 2 * * *", "2026-12-08T02:10:00", "2026-12-08T02:07:00"),
        ("0 0 * jan,jul *", "2026-07-01T00:00:00", "2026-06-01T00:00:00"),
        ("0 0 * * mon-fri", "2026-12-07T00:00:00", "2026-12-06T00:00:00"),  # Monday; Sunday
        ("0 0 * * 7", "2026-12-06T00:00:00", "2026-12-07T00:00:00"),  # 7 is Sunday too
        ("@hourly", "2026-12-08T05:00:00", "2026-12-08T05:30:00"),
        ("@weekly", "2026-12-06T00:00:00", "2026-12-07T00:00:00"),
    ],
)
def test_fields_as_cron_reads_them(schedule: str, due: str, not_due: str) -> None:
    assert parse(schedule).due(at(due))
    assert not parse(schedule).due(at(not_due))


def test_two_restricted_day_fields_fire_on_either() -> None:
    first_or_sunday = parse("0 0 1 * sun")
    assert first_or_sunday.due(at("2026-12-01T00:00:00"))  # a Tuesday, the 1st
    assert first_or_sunday.due(at("2026-12-06T00:00:00"))  # a Sunday
    assert not first_or_sunday.due(at("2026-12-08T00:00:00"))


@pytest.mark.parametrize(
    "schedule", ["", "0 0 * *", "60 * * * *", "* 24 * * *", "5-1 * * * *", "x * * * *"]
)
def test_what_is_no_schedule(schedule: str) -> None:
    with pytest.raises(InvalidSchedule):
        parse(schedule)
