"""Cron schedules as a Kubernetes CronJob reads them: five fields (minute, hour, day of
month, month, day of week) of `*`, numbers, names (jan, mon), ranges, lists and steps, or
one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly. As in cron, when
both day fields are restricted a day matching either one is due."""

from dataclasses import dataclass
from datetime import datetime

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# (first, last, names from first) of each field
FIELDS = [(0, 59, []), (0, 23, []), (1, 31, []), (1, 12, MONTHS), (0, 7, DAYS)]


class InvalidSchedule(ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 is Sunday (7 is too, as written)
    any_day: bool  # day of month is *
    any_weekday: bool

    def due(self, moment: datetime) -> bool:
        """Whether the schedule fires in the minute `moment` falls in."""
        if moment.minute not in self.minutes or moment.hour not in self.hours:
            return False
        if moment.month not in self.months:
            return False
        by_day = moment.day in self.days
        by_weekday = (moment.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return by_day and by_weekday
        return by_day or by_weekday


def parse(text: str) -> Schedule:
    fields = MACROS.get(text.strip(), text).split()
    if len(fields) != 5:
        raise InvalidSchedule(f"{text!r} is not a cron schedule of five fields, e.g. 0 0 * * *")
    minutes, hours, days, months, weekdays = (
        _field(f, *spec) for f, spec in zip(fields, FIELDS, strict=True)
    )
    sunday_is_0 = frozenset(d % 7 for d in weekdays)
    return Schedule(minutes, hours, days, months, sunday_is_0, fields[2] == "*", fields[4] == "*")


def _field(text: str, first: int, last: int, names: list[str]) -> frozenset[int]:
    chosen: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = _number(step_text, 1, last, names=[]) if step_text else 1
        if span == "*":
            low, high = first, last
        else:
            start, dash, end = span.partition("-")
            low = _number(start, first, last, names)
            high = _number(end, first, last, names) if dash else (last if step_text else low)
        if low > high:
            raise InvalidSchedule(f"{part!r}: a range runs from low to high")
        chosen.update(range(low, high + 1, step))
    return frozenset(chosen)


def _number(text: str, first: int, last: int, names: list[str]) -> int:
    lowered = text.lower()
    if lowered in names:
        return names.index(lowered) + first
    if not text.isdigit() or not first <= int(text) <= last:
        raise InvalidSchedule(f"{text!r} is not a value from {first} to {last}")
    return int(text)
