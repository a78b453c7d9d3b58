"""``report activity``: activity-based selling, per person and week.

Counted from the records themselves (so ``--as-of`` counts them as they were):

* tasks completed: every task with a ``done:`` date in the window, for its owner
  (the task's ``owner:``, else its record's owner);
* deals touched: the deals with a log line of that person, or a task of theirs
  completed on the deal, that week;
* stage changes: the log's transitions (stage moves, won, lost, reopened) and
  deals opened, by who logged them;
* mails recorded: the ``## Mail`` entries of the clients dated in the window
  (mail capture): an outgoing mail for the team member who sent it (by
  address), an incoming one for the client's owner;
* idle deals: the open deals of each person with no activity (a stage change, a
  recorded mail, a completed task, the day opened) for ``idle`` days or more.

A week is named by its Monday.  People are the user names of ``plaincrm.yaml``
(log lines and task owners are written with them); ``(nobody)`` stands for what
has no owner.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from ..core.dates import parse_iso_date
from ..core.store import Store
from ..mail.entries import addresses_in
from ..mail.facts import ENTRY_FIELDS, facts_rows
from .deallog import parse_event
from .deals import deal_facts, deal_of
from .pipeline import Pipeline

NOBODY = "(nobody)"
COUNTS = ("tasks_done", "deals_touched", "stage_changes", "deals_opened", "mails")


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


@dataclass
class Line:
    """What one person did (in one week, or in the whole window: ``week`` None)."""

    owner: str
    week: date | None
    tasks_done: int = 0
    deals: set[str] = field(default_factory=set)
    stage_changes: int = 0
    deals_opened: int = 0
    mails: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "week": self.week.isoformat() if self.week else None,
            "tasks_done": self.tasks_done,
            "deals_touched": len(self.deals),
            "stage_changes": self.stage_changes,
            "deals_opened": self.deals_opened,
            "mails": self.mails,
        }


@dataclass
class Idle:
    """An open deal nobody has worked on for a while."""

    ref: str
    title: str
    owner: str
    stage: str
    last_activity: str | None
    days: int | None  # None: no date of any activity

    def as_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "title": self.title,
            "owner": self.owner,
            "stage": self.stage,
            "last_activity": self.last_activity,
            "days": self.days,
        }


@dataclass
class Activity:
    since: date
    until: date
    by: str
    lines: list[Line]
    idle_days: int
    idle: list[Idle]


def activity(
    store: Store,
    pipeline: Pipeline,
    *,
    since: date,
    by: str = "owner",
    owner: str | None = None,
    idle: int = 14,
) -> Activity:
    """What each person did from ``since`` to ``store.today()``, per person (``by``
    ``owner``) or per person and week (``week``); and the open deals idle ``idle`` days."""
    until = store.today()
    first, last = since.isoformat(), until.isoformat()
    lines: dict[tuple[str, date | None], Line] = {}

    def line(who: str | None, day: str) -> Line | None:
        name = who or NOBODY
        when = parse_iso_date(day)
        if when is None or not first <= day <= last or (owner and name != owner):
            return None
        week = week_of(when) if by == "week" else None
        return lines.setdefault((name, week), Line(name, week))

    for entry in store.tasks(state="done", done_from=first):
        found = line(entry.owner, entry.task.done or "")
        if found is not None:
            found.tasks_done += 1
            if entry.type == "deal":
                found.deals.add(entry.path)
    records = store.records("deal", with_tasks=True)
    for record in records:
        for log in record.log:
            found = line(log.who, log.date)
            if found is None:
                continue
            found.deals.add(record.path)
            event = parse_event(log.text)
            if event.kind == "opened":
                found.deals_opened += 1
            elif event.transition:
                found.stage_changes += 1
    users = {u.email.lower(): u.name for u in store.config.users if u.email}
    for _path, client_owner, entries in facts_rows(store.index.conn, since=first):
        for values in entries:
            item = dict(zip(ENTRY_FIELDS, values, strict=False))
            sent = addresses_in(str(item["sender"]))
            who = client_owner
            if item["direction"] == "out" and sent and sent[0].lower() in users:
                who = users[sent[0].lower()]
            found = line(who, str(item["stamp"])[:10])
            if found is not None:
                found.mails += 1
    idle_deals = []
    for record in records:
        deal = deal_of(record, pipeline)
        if deal.status != "open" or (owner and (deal.owner or NOBODY) != owner):
            continue
        latest = (deal_facts(record) or {}).get("activity")
        day = parse_iso_date(latest or "")
        days = (until - day).days if day else None
        if days is None or days >= idle:
            idle_deals.append(
                Idle(deal.ref, deal.title, deal.owner or NOBODY, deal.stage, latest, days)
            )
    idle_deals.sort(key=lambda d: (d.owner, -(d.days if d.days is not None else 10**6), d.ref))
    ordered = sorted(lines.values(), key=lambda x: (x.owner, x.week or date.min))
    return Activity(since, until, by, ordered, idle, idle_deals)
