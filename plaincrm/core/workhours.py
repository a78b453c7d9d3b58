"""Working time: the minutes of an interval that fall inside the working day.

``working_minutes(start, end, hours)`` counts the minutes of ``[start, end)``
inside the working day of plaincrm.yaml (``workday.start``/``end``/``days``,
read into ``Hours``); ``add_working_minutes`` is its inverse (the deadline that
lies N working minutes after a moment).  Both are pure and work from a
cumulative count since a fixed Monday, so they cost the same for an hour and
for a year.  The SLA clocks of tickets (``sla``) count with them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property

from .settings import Config

_EPOCH = date(2000, 1, 3)  # a Monday


@dataclass(frozen=True)
class Hours:
    """The working day: minutes since midnight it starts and ends, and its weekdays (0 = Monday)."""

    start: int
    end: int
    workdays: frozenset[int]

    @classmethod
    def of(cls, config: Config) -> Hours:
        return cls(config.day_start, config.day_end, config.workdays)

    @property
    def length(self) -> int:
        return max(0, self.end - self.start)

    @property
    def per_week(self) -> int:
        return self.length * len(self.workdays)

    @cached_property
    def before_day(self) -> tuple[int, ...]:
        """Working minutes of a week before each weekday (index 0-6)."""
        return tuple(
            self.length * sum(1 for d in range(day) if d in self.workdays) for day in range(7)
        )


def _minute_of_day(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def cumulative(moment: datetime, hours: Hours) -> int:
    """Working minutes from the epoch Monday to ``moment`` (seconds are ignored)."""
    days = (moment.date() - _EPOCH).days
    weeks, rest = divmod(days, 7)
    total = weeks * hours.per_week + hours.before_day[rest]
    if rest in hours.workdays:
        total += min(max(_minute_of_day(moment), hours.start), hours.end) - hours.start
    return total


def working_minutes(start: datetime, end: datetime, hours: Hours) -> int:
    """The working minutes between two moments (0 when ``end`` is not after ``start``)."""
    if end <= start or hours.length == 0:
        return 0
    return cumulative(end, hours) - cumulative(start, hours)


def add_working_minutes(start: datetime, minutes: int, hours: Hours) -> datetime | None:
    """The earliest moment with ``minutes`` working minutes after ``start``.

    None when the working week is empty (no workdays, or a day of no length).
    """
    if minutes <= 0:
        return start.replace(second=0, microsecond=0)
    if hours.per_week == 0:
        return None
    last = cumulative(start, hours) + minutes - 1  # the last working minute used, from the epoch
    weeks, rest = divmod(last, hours.per_week)
    monday = _EPOCH + timedelta(days=7 * weeks)
    for offset in range(7):
        if offset not in hours.workdays:
            continue
        if rest < hours.length:
            day = monday + timedelta(days=offset)
            return datetime.combine(day, time()) + timedelta(minutes=hours.start + rest + 1)
        rest -= hours.length
    raise AssertionError("unreachable: rest < per_week")
