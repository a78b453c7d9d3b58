"""Recurring tasks: the ``every:`` token.

``every:RULE`` on a task line makes the task repeat.  Completing it adds the
next occurrence under it (same title, time, length and owner, the next date,
a new id) in the same commit, and the rule moves to that new line: exactly one
open task of a series carries it, so the file grows by one line per occurrence
done, and deleting the open one (or ``task edit ID --every none``) ends the
series.  ``plan`` shows the coming occurrences on the days they fall on, from
the open task's rule, without writing them into the file.

RULE is one of::

    Nd  Nw  Nm  Ny     every N days, weeks, months, years (N from 1 to 999; 1 may
                       be left out: every:w is every:1w)
    weekday            every working day (workday.days of plaincrm.yaml)
    mon,thu            those days of the week (mon tue wed thu fri sat sun)

The series runs from the task's ``due:`` date: the next occurrence is the
first date of the series after both the due date and the day the task was
done (occurrences missed while it was overdue are skipped).  A month step
keeps the day of the month; in a month without that day (the 31st in April)
it is the month's last day, and the series goes on from that date.  A task
without ``due:`` counts from the day it is done.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_STEP_RE = re.compile(r"^([1-9][0-9]{0,2})?([dwmy])$")
EXAMPLES = "every:1w, every:2w, every:1m, every:1d, every:1y, every:weekday, every:mon,thu"


@dataclass(frozen=True)
class Rule:
    """A parsed ``every:`` value."""

    text: str
    unit: str  # d, w, m, y; "weekday": the working days; "days": the ``days`` of the week
    count: int = 1
    days: frozenset[int] = frozenset()  # 0 = Monday (for unit "days")


def parse(text: str) -> Rule | None:
    """The rule ``text`` (an ``every:`` value) stands for, None when it is none."""
    value = text.strip().lower()
    step = _STEP_RE.match(value)
    if step:
        return Rule(value, step.group(2), int(step.group(1) or 1))
    if value in ("weekday", "workday"):
        return Rule(value, "weekday")
    names = value.split(",")
    if names and all(name in DAY_NAMES for name in names) and len(set(names)) == len(names):
        return Rule(value, "days", days=frozenset(DAY_NAMES.index(name) for name in names))
    return None


def problem(text: str) -> str | None:
    """What is wrong with an ``every:`` value, None when it is a rule."""
    if parse(text) is not None:
        return None
    return f"every:{text} is not a repeat rule (use {EXAMPLES})"


def next_date(rule: Rule, due: date | None, done: date, workdays: Collection[int]) -> date:
    """The date of the occurrence after one due on ``due`` (None: no date) and done on
    ``done``: the first date of the series after both.  ValueError past the year 9999."""
    try:
        return _next_date(rule, due, done, workdays)
    except OverflowError:
        raise ValueError("the next occurrence would fall after the year 9999") from None


def _next_date(rule: Rule, due: date | None, done: date, workdays: Collection[int]) -> date:
    after = max(due, done) if due is not None else done
    anchor = due if due is not None else done
    if rule.unit in ("d", "w"):
        step = rule.count * (7 if rule.unit == "w" else 1)
        return anchor + timedelta(days=step * ((after - anchor).days // step + 1))
    if rule.unit in ("m", "y"):
        candidate = anchor
        while candidate <= after:
            candidate = add_months(candidate, _months(rule))
        return candidate
    days = _days(rule, workdays)
    candidate = after + timedelta(days=1)
    while candidate.weekday() not in days:
        candidate += timedelta(days=1)
    return candidate


def falls_on(rule: Rule, due: date, day: date, workdays: Collection[int]) -> bool:
    """Whether the series of a task due on ``due`` has an occurrence on ``day`` (after it)."""
    if day <= due:
        return False
    try:
        return _falls_on(rule, due, day, workdays)
    except (OverflowError, ValueError):
        return False


def _falls_on(rule: Rule, due: date, day: date, workdays: Collection[int]) -> bool:
    if rule.unit in ("d", "w"):
        return (day - due).days % (rule.count * (7 if rule.unit == "w" else 1)) == 0
    if rule.unit in ("m", "y"):
        candidate = due
        while candidate < day:
            candidate = add_months(candidate, _months(rule))
        return candidate == day
    return day.weekday() in _days(rule, workdays)


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months; a day the target month lacks (the 31st in April)
    becomes its last day.  OverflowError past the year 9999."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _months(rule: Rule) -> int:
    return rule.count * (12 if rule.unit == "y" else 1)


def _days(rule: Rule, workdays: Collection[int]) -> Collection[int]:
    if rule.unit == "days":
        return rule.days
    return workdays or range(7)
