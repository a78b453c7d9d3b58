"""The daily views: what ``today`` and ``plan`` show, computed from the store.

``day_view`` gathers, for one person and one day, the overdue tasks, the
day's timed tasks (with overlaps flagged) and untimed tasks, the free slots
of the working day, the planned time against capacity, and the records that
need attention (deals without a next step and the like: each record kind's
``attention`` in ``core.kinds``), and the mail lists (``mail.followup``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from ..core.dates import format_duration, minutes_to_time, now, time_to_minutes
from ..core.kinds import TYPES, Attention, AttentionProvider
from ..core.store import Store, TaskEntry
from ..mail.followup import MailLists, mail_lists

OVERLAPS_NAMED = 5  # clashing tasks named per task; the rest are counted


@dataclass
class Timed:
    entry: TaskEntry
    start: int  # minutes since midnight
    end: int
    overlaps: list[str] = field(default_factory=list)  # refs of (the first) clashing tasks
    outside: bool = False  # starts or ends outside the working day
    overlap_count: int = 0  # how many tasks clash with it (``overlaps`` names a few)


def attention_providers() -> list[AttentionProvider]:
    """What every record kind adds to the day (``RecordType.attention``), in the order of
    their ``attention_rank``."""
    ranked = sorted(TYPES.values(), key=lambda t: t.attention_rank)
    return [provider for rtype in ranked for provider in rtype.attention]


@dataclass
class DayView:
    day: date
    owner: str | None
    workday: bool
    day_start: int
    day_end: int
    default_duration: int
    overdue: list[tuple[TaskEntry, int]] = field(default_factory=list)
    timed: list[Timed] = field(default_factory=list)
    untimed: list[TaskEntry] = field(default_factory=list)
    coming: list[TaskEntry] = field(default_factory=list)  # repeats due that day, no time
    attention: list[Attention] = field(default_factory=list)
    mail: MailLists = field(default_factory=MailLists)
    unshown: dict[str, int] = field(default_factory=dict)  # kind -> records beyond the limit

    def duration(self, entry: TaskEntry) -> int:
        return entry.task.dur or self.default_duration

    @property
    def capacity(self) -> int:
        return self.day_end - self.day_start if self.workday else 0

    @property
    def planned(self) -> int:
        timed = sum(t.end - t.start for t in self.timed)
        return timed + sum(self.duration(e) for e in [*self.untimed, *self.coming])

    @property
    def overloaded(self) -> bool:
        return self.planned > (self.day_end - self.day_start)

    def free_slots(self) -> list[tuple[int, int]]:
        """Gaps of the working day not covered by timed tasks (none on a day off)."""
        if not self.workday:
            return []
        slots = []
        cursor = self.day_start
        for item in sorted(self.timed, key=lambda t: t.start):
            if item.start > cursor:
                slots.append((cursor, min(item.start, self.day_end)))
            cursor = max(cursor, item.end)
            if cursor >= self.day_end:
                break
        if cursor < self.day_end:
            slots.append((cursor, self.day_end))
        return [(a, b) for a, b in slots if b > a]

    def suggest_slot(self, minutes: int, taken: list[tuple[int, int]]) -> int | None:
        """The first free start time that fits ``minutes`` and avoids ``taken``."""
        for start, end in self.free_slots():
            cursor = start
            for a, b in sorted(taken):
                if a < cursor + minutes and b > cursor and a < end:
                    cursor = max(cursor, b)
            if cursor + minutes <= end:
                return cursor
        return None

    def suggestions(self) -> list[tuple[TaskEntry, int | None]]:
        """A start time for each untimed task of the day, then each overdue task (None:
        no free slot fits it; on a day off, none does)."""
        taken: list[tuple[int, int]] = []
        out = []
        for entry in [*self.untimed, *(e for e, _ in self.overdue)]:
            minutes = self.duration(entry)
            start = self.suggest_slot(minutes, taken)
            if start is not None:
                taken.append((start, start + minutes))
            out.append((entry, start))
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "owner": self.owner,
            "working_day": self.workday,
            "day_start": minutes_to_time(self.day_start),
            "day_end": minutes_to_time(self.day_end),
            "overdue": [dict(e.as_json(), days_late=late) for e, late in self.overdue],
            "schedule": [
                dict(
                    t.entry.as_json(),
                    start=minutes_to_time(t.start),
                    end=minutes_to_time(t.end),
                    overlaps=t.overlaps,
                    overlap_count=t.overlap_count,
                    outside_working_hours=t.outside,
                )
                for t in self.timed
            ],
            "anytime": [e.as_json() for e in self.untimed],
            "coming": [e.as_json() for e in self.coming],
            "planned_minutes": self.planned,
            "capacity_minutes": self.capacity,
            "overloaded": self.overloaded,
            "free": [
                {"start": minutes_to_time(a), "end": minutes_to_time(b)}
                for a, b in self.free_slots()
            ],
            "attention": [a.as_json() for a in self.attention],
            **self.mail.as_json(),
        }


def day_view(store: Store, day: date, owner: str | None, limit: int | None = None) -> DayView:
    """The day of ``owner`` (None: everybody); ``limit``: of each kind of record that
    needs attention, the first so many (None: all)."""
    store = store.day_store(day, owner)  # the first run reads only what this view needs
    config = store.config
    view = DayView(
        day,
        owner,
        config.is_workday(day),
        config.day_start,
        config.day_end,
        config.default_duration,
    )
    entries = store.tasks(state="open", owner=owner, due_to=day.isoformat())
    for entry in [*entries, *coming_occurrences(entries, day, store.today(), config.workdays)]:
        due = date.fromisoformat(entry.task.due or day.isoformat())
        if due < day:
            view.overdue.append((entry, (day - due).days))
        elif entry.task.at:
            start = time_to_minutes(entry.task.at)
            end = start + view.duration(entry)
            outside = start < config.day_start or end > config.day_end
            view.timed.append(Timed(entry, start, end, outside=outside))
        elif entry.projected:
            view.coming.append(entry)
        else:
            view.untimed.append(entry)
    view.overdue.sort(key=lambda item: (-item[1], item[0].task.at or ""))
    view.timed.sort(key=lambda t: (t.start, t.end))
    mark_overlaps(view.timed)
    for provider in attention_providers():
        shown, total = provider(store, day, owner, limit)
        view.attention.extend(shown)
        if shown and total > len(shown):
            view.unshown[shown[0].kind] = total - len(shown)
    store.warn_undated(owner)
    store.add_clients(
        [*(e for e, _ in view.overdue), *(t.entry for t in view.timed), *view.untimed]
    )
    view.mail = mail_lists(store, datetime.combine(day, now().time()), owner)
    return view


def mark_overlaps(timed: list[Timed]) -> None:
    """Count, for each of ``timed`` (sorted by start), the tasks whose time clashes with
    its own, and name up to ``OVERLAPS_NAMED`` of them (in the order they start): work in
    O(n log n) whatever the day holds.  A day of 10,000 tasks at one time has 50 million
    clashing pairs; naming every one took minutes and made a list no one reads."""
    import bisect

    starts = [item.start for item in timed]
    ends = sorted(item.end for item in timed)
    running: list[tuple[int, int]] = []  # (end, index) of the tasks begun, by end
    for index, item in enumerate(timed):
        # the others that start before it ends, less those that end before it starts
        item.overlap_count = (
            bisect.bisect_left(starts, item.end) - bisect.bisect_right(ends, item.start) - 1
        )
        del running[: bisect.bisect_right(running, (item.start, len(timed)))]  # ended
        named = sorted(earlier for _, earlier in running[:OVERLAPS_NAMED])
        later = index + 1  # then those that start while it runs
        while len(named) < OVERLAPS_NAMED and later < len(timed) and starts[later] < item.end:
            named.append(later)
            later += 1
        item.overlaps = [timed[other].entry.ref for other in named]
        bisect.insort(running, (item.end, index))


def coming_occurrences(
    entries: list[TaskEntry], day: date, today: date, workdays: frozenset[int]
) -> list[TaskEntry]:
    """The occurrences of repeating tasks (``every:``) among ``entries`` that fall on
    ``day``, a day after today: what completing them will add, shown ahead of time
    (``projected``) and written into the file only then."""
    if day <= today:
        return []
    found = []
    for entry in entries:
        rule_text, due = entry.task.every, entry.task.due
        if not rule_text or not due:
            continue
        from ..core.recurrence import falls_on, parse

        rule = parse(rule_text)
        if rule is not None and falls_on(rule, date.fromisoformat(due), day, workdays):
            task = replace(entry.task, attrs={**entry.task.attrs, "due": day.isoformat()})
            found.append(replace(entry, task=task, projected=True))
    return found


def fmt_minutes(minutes: int) -> str:
    return format_duration(minutes) if minutes else "0m"
