"""Tasks as an iCalendar feed (through the icalendar library).

A task with a date and a time is an event of its duration (``dur:``, else
the default task length of ``plaincrm.yaml``); a task with a date only is an
all-day event, or with ``todo=True`` a to-do due that day (to-dos also carry
tasks without a date).  Every entry's UID comes from the task id, so a
calendar that subscribes to the file updates an entry when the task moves
instead of adding a second one.  Times are "floating" (the same clock time
wherever the calendar is) unless a time zone is given.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from .. import __version__
from ..core.dates import parse_iso_date, time_to_minutes
from ..core.errors import UsageError
from ..core.store import TaskEntry

PRODID = f"-//plaincrm//plaincrm {__version__}//EN"


def task_uid(entry: TaskEntry) -> str:
    """Stable across exports: the task id (a task without one yet: its record and place)."""
    if entry.task.id:
        return f"{entry.task.id}@plaincrm"
    return f"{entry.path[:-3].replace('/', '-')}-{entry.task.pos}@plaincrm"


def calendar_ics(
    entries: list[TaskEntry],
    *,
    name: str,
    default_duration: int,
    todo: bool = False,
    tz: str | None = None,
    now: datetime | None = None,
) -> tuple[bytes, int]:
    """The bytes of an ``.ics`` file, and how many tasks it holds."""
    from icalendar import Calendar

    zone = _zone(tz)
    stamp = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    if tz:
        cal.add("x-wr-timezone", tz)
    count = 0
    for entry in entries:
        component = _component(entry, default_duration, todo, zone, stamp)
        if component is not None:
            cal.add_component(component)
            count += 1
    if zone is not None:
        cal.add_missing_timezones()
    data: bytes = cal.to_ical()
    return data, count


def task_files(
    entries: list[TaskEntry],
    *,
    default_duration: int,
    todo: bool = False,
    tz: str | None = None,
) -> dict[str, str]:
    """One ``.ics`` text per task (``formats.vdir``), named after its UID."""
    from icalendar import Calendar

    from .vdir import file_name

    zone = _zone(tz)
    stamp = datetime.now(timezone.utc).replace(microsecond=0)
    files = {}
    for entry in entries:
        component = _component(entry, default_duration, todo, zone, stamp)
        if component is None:
            continue
        cal = Calendar()
        cal.add("prodid", PRODID)
        cal.add("version", "2.0")
        cal.add_component(component)
        if zone is not None:
            cal.add_missing_timezones()
        files[file_name(task_uid(entry), ".ics")] = cal.to_ical().decode("utf-8")
    return files


def _zone(tz: str | None) -> Any:
    if tz is None:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone '{tz}' (use a name like Europe/Budapest)") from None


def _component(
    entry: TaskEntry, default_duration: int, todo: bool, zone: Any, stamp: datetime
) -> Any:
    from icalendar import Event, Todo

    task = entry.task
    day = parse_iso_date(task.due) if task.due else None
    if day is None and not todo:
        return None
    timed = day is not None and task.at is not None
    item = Todo() if todo and not timed else Event()
    item.add("uid", task_uid(entry))
    item.add("dtstamp", stamp)
    item.add("summary", f"{task.title} ({entry.record_title})")
    details = [f"{entry.record_title} ({entry.path})"]
    if entry.owner:
        details.append(f"Owner: {entry.owner}")
    if task.note:
        details += ["", task.note]
    item.add("description", "\n".join(details))
    item.add("categories", [entry.type])
    if timed and day is not None and task.at is not None:
        minutes = time_to_minutes(task.at)
        start = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=zone)
        item.add("dtstart", start)
        item.add("duration", timedelta(minutes=task.dur or default_duration))
    elif isinstance(item, Todo):
        if day is not None:
            item.add("due", day)
        if task.checked:
            item.add("status", "COMPLETED")
            done = parse_iso_date(task.done) if task.done else None
            if done is not None:
                item.add("completed", datetime(*done.timetuple()[:3], tzinfo=timezone.utc))
        else:
            item.add("status", "NEEDS-ACTION")
    elif day is not None:
        item.add("dtstart", day)
        item.add("dtend", day + timedelta(days=1))
        item.add("transp", "TRANSPARENT")
    if isinstance(item, Event):
        item.add("status", "CONFIRMED")
    return item
