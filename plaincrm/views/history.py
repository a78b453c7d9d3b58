"""A record's history and the team's activity, read from git.

API:

- ``history_view(store, path, since=None, until=None, linked=True) -> HistoryView``:
  ``.history`` (``git.history.History``: ``path``, ``title``, ``linked`` (the paths of
  the records linked to it that are included), ``git`` (False: not in a git
  repository, only what the files hold), ``events``: ``Event`` (date, time, who,
  kind, text, note, details, path, record, by_hand), newest first), ``.days``: the
  events grouped by day, ``.window`` (a period was asked for).
- ``activity_view(store, since, until, by=None) -> ActivityView``: ``.items``
  (``Activity``: date, who, category, path, record, text, note, by_hand), ``.days``
  (day -> person -> items), ``.counts`` (per category of ``CATEGORIES``),
  ``.people``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import groupby
from typing import Any

from ..core.store import Store
from ..git.history import CATEGORIES, Activity, Event, History, activity, record_history


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


@dataclass
class HistoryView:
    history: History
    window: bool  # only what happened in a period

    @property
    def days(self) -> list[tuple[str, list[Event]]]:
        return [
            (day, list(events)) for day, events in groupby(self.history.events, lambda e: e.date)
        ]

    def as_json(self) -> dict[str, Any]:
        found = self.history
        return {
            "record": found.path,
            "record_title": found.title,
            "linked": found.linked,
            "git": found.git,
            "events": [event.as_json() for event in found.events],
        }


def history_view(
    store: Store,
    path: str,
    since: date | None = None,
    until: date | None = None,
    linked: bool = True,
) -> HistoryView:
    found = record_history(store, path, since=_iso(since), until=_iso(until), linked=linked)
    return HistoryView(found, bool(since or until))


@dataclass
class ActivityView:
    since: date
    until: date
    by: str | None
    items: list[Activity]

    @property
    def counts(self) -> dict[str, int]:
        return {name: sum(item.category == name for item in self.items) for name in CATEGORIES}

    @property
    def people(self) -> list[str]:
        return sorted({item.who for item in self.items})

    @property
    def days(self) -> list[tuple[str, list[tuple[str, list[Activity]]]]]:
        """The items by day (newest first), and of each day by person."""
        out = []
        for day, of_day in groupby(self.items, key=lambda item: item.date):
            mine = sorted(of_day, key=lambda item: item.who)
            out.append((day, [(who, list(items)) for who, items in groupby(mine, lambda i: i.who)]))
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "by": self.by,
            "counts": self.counts,
            "people": self.people,
            "items": [item.as_json() for item in self.items],
        }


def activity_view(store: Store, since: date, until: date, by: str | None = None) -> ActivityView:
    """What the team (``by``: one person) did to records from ``since`` to ``until``."""
    from ..git.hooks import require_git

    require_git(store.root)
    items = activity(store, since=since.isoformat(), until=until.isoformat(), by=by)
    return ActivityView(since, until, by, items)
