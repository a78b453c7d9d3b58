"""The day views: ``today`` (the day's agenda) and ``plan`` (a day to plan).

API:

- ``today_view(store, day, owner, limit=None) -> TodayView``: ``.day`` is the
  ``tasks.agenda.DayView`` (``overdue`` as (entry, days late), ``timed`` (``Timed``:
  entry, start, end, overlaps, outside), ``untimed``, ``coming``, ``attention``,
  ``unshown``, ``mail``, ``planned``, ``capacity``, ``free_slots()`` ...);
  ``limit``: the records of each attention kind kept (None: all, as ``--json``).
- ``plan_view(store, day, owner, limit=None) -> PlanView``: ``day`` None plans the
  next working day; ``.day`` as above, ``.move_to`` (the day the suggestions put
  tasks on: the next working day when ``day`` is a day off), ``.untimed`` and
  ``.overdue``: the ``Suggestion`` (entry, start in minutes or None, command) of
  each task of the day without a time and each overdue task.
- ``owner`` is a user name, or None for everybody.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..core.dates import minutes_to_time
from ..core.store import Store, TaskEntry
from ..tasks.agenda import DayView, day_view


@dataclass
class TodayView:
    day: DayView

    def as_json(self) -> dict[str, Any]:
        return self.day.as_json()


def today_view(store: Store, day: date, owner: str | None, limit: int | None = None) -> TodayView:
    return TodayView(day_view(store, day, owner, limit))


@dataclass(frozen=True)
class Suggestion:
    """Where a task without a slot could go: ``start`` (minutes after midnight) is the
    first free slot it fits, None when none is left; ``command`` moves it there."""

    entry: TaskEntry
    start: int | None
    command: str

    def as_json(self) -> dict[str, Any]:
        start = minutes_to_time(self.start) if self.start is not None else None
        return {"task": self.entry.ref, "start": start, "command": self.command}


@dataclass
class PlanView:
    day: DayView
    move_to: date
    untimed: list[Suggestion] = field(default_factory=list)
    overdue: list[Suggestion] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = self.day.as_json()
        data["suggestions"] = [s.as_json() for s in [*self.untimed, *self.overdue]]
        return data


def move_command(entry: TaskEntry, day: date, start: int | None) -> str:
    at = f" --at {minutes_to_time(start)}" if start is not None else ""
    return f"plaincrm task move {entry.ref} --due {day.isoformat()}{at}"


def plan_view(
    store: Store, day: date | None, owner: str | None, limit: int | None = None
) -> PlanView:
    config = store.config
    target = day or config.next_workday(store.today())
    view = day_view(store, target, owner, limit)
    # a day off has no slot: its work goes to the next working day
    move_to = target if view.workday else config.next_workday(target)
    suggestions = [Suggestion(e, s, move_command(e, move_to, s)) for e, s in view.suggestions()]
    cut = len(view.untimed)
    return PlanView(view, move_to, suggestions[:cut], suggestions[cut:])
