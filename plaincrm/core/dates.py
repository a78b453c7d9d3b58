"""Dates, times and durations as users type them.

DATE: an ISO date (``2026-11-28``), ``today``, ``tomorrow``, ``yesterday``,
a weekday name (``friday``, ``fri``), or an offset (``+3d``, ``-2d``, ``+1w``,
``+1m``).  A weekday name means the next such day, today included, or, for
``since``-style options, the most recent one.
TIME: ``HH:MM`` (``9:30`` is accepted and written ``09:30``).
DURATION: ``30m``, ``1h``, ``1h30m``, ``90`` (minutes).

Every date plaincrm works with lies from ``FIRST_DAY`` to ``LAST_DAY``: a date
outside (``0001-01-02``, ``+99999999d``) is refused where it is typed and, in a
file, is a problem ``check`` reports and is read as missing, so the arithmetic
on dates (a week back, months ahead) never leaves the calendar.  Durations are
bounded the same way (``LONGEST``; a task's ``TASK_LONGEST``).
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime, time, timedelta

from .errors import UsageError

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_OFFSET_RE = re.compile(r"^([+-])(\d+)([dwm])$")
_TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DUR_RE = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?:in)?)?$")
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
DATE_RANGE = f"plaincrm's dates run from {FIRST_DAY} to {LAST_DAY}"
LONGEST = 9999 * 60  # minutes: any DURATION (a working-time target of the settings)
TASK_LONGEST = 24 * 60  # minutes: a task's dur: it is planned on one day


class OutOfRangeError(UsageError):
    """A DATE that is one, but not from ``FIRST_DAY`` to ``LAST_DAY``."""


def today() -> date:
    """Today's date; ``PLAINCRM_TODAY`` (YYYY-MM-DD) pins it for demos and tests."""
    pinned = os.environ.get("PLAINCRM_TODAY")
    if pinned:
        day = parse_iso_date(pinned)
        if day is None:
            raise UsageError(f"PLAINCRM_TODAY={pinned} {date_problem(pinned)}")
        return day
    return date.today()


def weekday_index(name: str) -> int | None:
    """Index 0-6 of a weekday name or an abbreviation of at least 3 letters."""
    name = name.lower()
    if len(name) < 3:
        return None
    for i, day in enumerate(WEEKDAYS):
        if day.startswith(name):
            return i
    return None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), the month's last day when it is shorter;
    ``OverflowError`` beyond the calendar (year 9999)."""
    month0 = day.month - 1 + months
    year = day.year + month0 // 12
    month = month0 % 12 + 1
    if not 1 <= year <= 9999:
        raise OverflowError("date value out of range")
    for d in (day.day, 30, 29):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    return date(year, month, 28)


def _iso(text: str) -> date | None:
    """The date of a strict ``YYYY-MM-DD`` text, in range or not; else None."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_iso_date(text: str) -> date | None:
    """The date of a strict ``YYYY-MM-DD`` text from ``FIRST_DAY`` to ``LAST_DAY``, else None."""
    day = _iso(text)
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None


def date_problem(text: str) -> str:
    """Why ``text`` (which ``parse_iso_date`` refused) is no date plaincrm can use."""
    if _iso(text) is not None:
        return f"is out of range ({DATE_RANGE})"
    return "is not a date (use YYYY-MM-DD)"


def parse_date(text: str, today: date, *, past: bool = False) -> date:
    """Parse a DATE as described in the module docstring; one outside ``FIRST_DAY`` ..
    ``LAST_DAY`` is refused."""
    day: date | None
    try:
        day = _parse_date(text, today, past)
    except (OverflowError, ValueError):  # an offset beyond the calendar
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise OutOfRangeError(f"'{text}' is out of range: {DATE_RANGE}")
    return day


def _parse_date(text: str, today: date, past: bool) -> date:
    value = text.strip().lower()
    iso = _iso(value)
    if iso is not None:
        return iso
    if value == "today":
        return today
    if value == "tomorrow":
        return today + timedelta(days=1)
    if value == "yesterday":
        return today - timedelta(days=1)
    match = _OFFSET_RE.match(value)
    if match:
        sign = 1 if match.group(1) == "+" else -1
        count = int(match.group(2)) * sign
        unit = match.group(3)
        if unit == "d":
            return today + timedelta(days=count)
        if unit == "w":
            return today + timedelta(weeks=count)
        return add_months(today, count)
    index = weekday_index(value)
    if index is not None:
        delta = (index - today.weekday()) % 7
        if past:
            return today - timedelta(days=(today.weekday() - index) % 7)
        return today + timedelta(days=delta)
    raise UsageError(
        f"'{text}' is not a date: use YYYY-MM-DD, today, tomorrow, a weekday name, "
        "or an offset like +3d, +1w, +1m"
    )


def parse_time(text: str) -> str:
    """Normalise a TIME to ``HH:MM``."""
    value = normalize_time(text)
    if value is None:
        raise UsageError(f"'{text}' is not a time: use HH:MM, for example 09:30")
    return value


def normalize_time(text: str) -> str | None:
    match = _TIME_RE.match(text.strip())
    if not match:
        return None
    return f"{int(match.group(1)):02d}:{match.group(2)}"


def _minutes(text: str) -> int | None:
    value = text.strip().lower()
    if value.isascii() and value.isdigit():
        return int(value)
    match = _DUR_RE.match(value)
    if not match or not value or (match.group(1) is None and match.group(2) is None):
        return None
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def parse_duration_minutes(text: str, longest: int = LONGEST) -> int | None:
    """Minutes of a DURATION, or None when it is not one or is longer than ``longest``."""
    minutes = _minutes(text)
    return minutes if minutes is not None and minutes <= longest else None


def duration_problem(text: str, longest: int = LONGEST) -> str | None:
    """Why ``text`` is no DURATION of more than nothing and at most ``longest``; None if it is."""
    minutes = _minutes(text)
    if minutes is None or minutes <= 0:
        return "is not a duration (use 30m, 1h, 1h30m)"
    if minutes > longest:
        return f"is too long (at most {format_duration(longest)})"
    return None


def parse_duration(text: str, longest: int = TASK_LONGEST) -> int:
    """A DURATION typed on the command line (a task's, unless ``longest`` says otherwise)."""
    problem = duration_problem(text, longest)
    if problem:
        raise UsageError(f"'{text}' {problem}")
    minutes = _minutes(text)
    assert minutes is not None
    return minutes


def days_text(days: int) -> str:
    """``1 day``, ``3 days`` (``text.plural``, the one way counts are said)."""
    from .text import plural

    return plural(days, "day")


def format_duration(minutes: int) -> str:
    """``90`` -> ``1h30m``; ``60`` -> ``1h``; ``45`` -> ``45m``."""
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours}h{mins}m"
    if hours:
        return f"{hours}h"
    return f"{mins}m"


def time_to_minutes(hhmm: str) -> int:
    hours, mins = hhmm.split(":")
    return int(hours) * 60 + int(mins)


def minutes_to_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def now() -> datetime:
    """The current minute: ``PLAINCRM_TODAY`` pins the date, ``PLAINCRM_TIME`` (HH:MM) the time."""
    pinned = os.environ.get("PLAINCRM_TIME")
    if pinned:
        clock = normalize_time(pinned)
        if clock is None:
            raise UsageError(f"PLAINCRM_TIME={pinned} is not a time (HH:MM)")
        moment = time.fromisoformat(clock)
    else:
        moment = datetime.now().time().replace(second=0, microsecond=0)
    return datetime.combine(today(), moment)
