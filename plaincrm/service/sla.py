"""Service levels: ticket timestamps, SLA settings and clocks.

Working time.  The clocks count working minutes (``workhours``): the minutes
inside the working day of plaincrm.yaml, time outside it does not count.

Timestamps.  Tickets store moments as ``YYYY-MM-DD HH:MM`` text (local time,
to the minute): ``parse_stamp`` / ``format_stamp``.  A date typed alone is read
as the start of that working day (``workday.start``), wherever it is read.  ``now()`` is the current
minute; ``PLAINCRM_TODAY`` pins its date and ``PLAINCRM_TIME`` (HH:MM) its time.

Settings.  The ``service:`` section of plaincrm.yaml gives a response and a
resolution target per priority, in working hours, and the share of a target
after which ``today`` warns (``read_service``; ``tickets.check_tickets`` reports
bad settings as ``plaincrm.yaml:line: message``).

Clocks.  A ticket's clock runs while it is ``new`` or ``open`` and stops while
it is ``waiting`` (on the client), ``resolved`` or ``closed``.  The timeline
comes from the ``status OLD -> NEW`` lines of the ticket's ``## Log`` (grammar
below), so the clocks are computed from the index without opening files::

    - 2026-11-20 09:15 anna: opened (complaint, high, phone)
    - 2026-11-20 10:02 anna: status new -> open
    - 2026-11-20 11:30 anna: status open -> waiting: asked for the serial number
    - 2026-11-23 09:00 anna: status waiting -> open
    - 2026-11-23 15:40 anna: status open -> closed: replaced the gasket
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from ..core.dates import (
    duration_problem,
    format_duration,
    normalize_time,
    now,
    parse_date,
    parse_duration_minutes,
    parse_iso_date,
)
from ..core.errors import Problem, UsageError
from ..core.kinds import Attention
from ..core.model import TYPES, LogEntry, Record, path_of
from ..core.settings import Config, SectionReader, settled
from ..core.workhours import Hours, add_working_minutes, working_minutes

if TYPE_CHECKING:
    from ..core.store import Store
KINDS = ("complaint", "request", "suggestion", "question")
PRIORITIES = ("low", "normal", "high", "urgent")
STATUSES = ("new", "open", "waiting", "resolved", "closed")
RUNNING = ("new", "open")  # the statuses in which the SLA clocks run
DONE = ("resolved", "closed")
SECTION = "service"

# Default targets (working hours) per priority: (response, resolution).
DEFAULT_TARGETS: dict[str, tuple[int | None, int | None]] = {
    "urgent": (60, 8 * 60),
    "high": (4 * 60, 16 * 60),
    "normal": (8 * 60, 40 * 60),
    "low": (16 * 60, 80 * 60),
}
DEFAULT_WARN = 75

_STAMP_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}))?$")
_STATUS_RE = re.compile(r"^status ([a-z]+) -> ([a-z]+)(?:: (.*))?$")


# ---------------------------------------------------------------- timestamps


def parse_stamp(text: Any, day_start: int) -> datetime | None:
    """``"2026-11-27 10:42"`` -> a datetime; a date alone (``"2026-11-27"``) is that day
    at ``day_start`` (minutes after midnight: the start of the working day); None when
    it is neither."""
    if not isinstance(text, str):
        return None
    match = _STAMP_RE.match(text.strip())
    if not match:
        return None
    if match.group(2) is None:
        clock: str | None = f"{day_start // 60:02d}:{day_start % 60:02d}"
    else:
        clock = normalize_time(match.group(2))
    day = parse_iso_date(match.group(1))
    if clock is None or day is None:
        return None
    return datetime.combine(day, time.fromisoformat(clock))


def format_stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def parse_when(text: str, current: datetime) -> datetime:
    """When something happened, as typed: ``14:30`` (today), ``yesterday 16:00``,
    ``2026-11-26 09:15``; never in the future."""
    words = text.split()
    clock = normalize_time(words[-1]) if words else None
    if clock is None:
        raise UsageError(
            f"'{text}' is not a moment: give a time (14:30) and, before it, a date "
            "('yesterday 16:00', '2026-11-26 09:15')"
        )
    day = parse_date(" ".join(words[:-1]), current.date()) if len(words) > 1 else current.date()
    moment = datetime.combine(day, time.fromisoformat(clock))
    if moment > current:
        raise UsageError(
            f"{format_stamp(moment)} is in the future (now it is {format_stamp(current)})"
        )
    return moment


def format_minutes(minutes: int) -> str:
    """Working time as ``1h30m``; ``0m`` for none."""
    return format_duration(minutes) if minutes > 0 else "0m"


# ---------------------------------------------------------------- settings


@dataclass(frozen=True)
class Target:
    response: int | None  # working minutes until the first response; None: no target
    resolution: int | None  # working minutes until resolved


@dataclass(frozen=True)
class Service:
    """The parsed ``service:`` settings."""

    targets: dict[str, Target]
    warn: int  # percent of a target after which a running clock is "at risk"

    def target(self, priority: str | None) -> Target:
        return self.targets.get(priority or "normal") or Target(None, None)


def read_service(config: Config) -> tuple[Service, list[Problem]]:
    """The ``service:`` settings (defaults for what is not given) and their problems."""
    reader = SectionReader(config, SECTION)
    problems, problem = reader.problems, reader.problem
    raw = config.raw.get(SECTION)
    targets = {name: Target(*values) for name, values in DEFAULT_TARGETS.items()}
    if raw is None:
        return Service(targets, DEFAULT_WARN), problems
    if not isinstance(raw, dict):
        problem("", "service must be a section with 'sla:' and 'warn:' (see docs/service.md)")
        return Service(targets, DEFAULT_WARN), problems
    for key in raw:
        if key not in ("sla", "warn"):
            problem(key, f"service.{key}: unknown setting (known: sla, warn)")
    sla = raw.get("sla")
    if sla is not None and not isinstance(sla, dict):
        problem("sla", "service.sla must map priorities to '{response: 4h, resolution: 16h}'")
    elif isinstance(sla, dict):
        for priority, entry in sla.items():
            if priority not in PRIORITIES:
                problem(
                    f"sla.{priority}",
                    f"service.sla.{priority}: not a priority (use {', '.join(PRIORITIES)})",
                )
                continue
            targets[priority] = _read_target(entry, f"sla.{priority}", problem)
    warn = DEFAULT_WARN
    if raw.get("warn") is not None:
        text = str(raw["warn"]).strip().rstrip("%").strip()
        if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 100:
            problem("warn", f"service.warn: '{raw['warn']}' is not a percentage from 1% to 100%")
        else:
            warn = int(text)
    return Service(targets, warn), problems


def _read_target(entry: Any, dotted: str, problem: Callable[[str, str], None]) -> Target:
    if not isinstance(entry, dict):
        problem(dotted, f"service.{dotted} must be '{{response: 4h, resolution: 16h}}'")
        return Target(None, None)
    values: dict[str, int | None] = {"response": None, "resolution": None}
    for key, value in entry.items():
        if key not in values:
            problem(
                f"{dotted}.{key}", f"service.{dotted}.{key}: unknown (use response, resolution)"
            )
            continue
        if value is None or str(value).lower() == "none":
            continue
        minutes = parse_duration_minutes(str(value))
        if not minutes:
            what = duration_problem(str(value)) or ""
            if what.startswith("is not"):
                what = "is not a duration like 4h or 1h30m"
            problem(
                f"{dotted}.{key}",
                f"service.{dotted}.{key}: '{value}' {what} (working hours; 'none' for no target)",
            )
            continue
        values[key] = minutes
    return Target(values["response"], values["resolution"])


def service_settings(config: Config) -> Service:
    """The service settings; a ``ConfigError`` when they have problems."""
    return settled(*read_service(config), "service settings in plaincrm.yaml")


# ---------------------------------------------------------------- clocks


def status_change(text: str) -> tuple[str, str, str | None] | None:
    """``status open -> waiting: note`` -> (old, new, note); None for other log text."""
    match = _STATUS_RE.match(text)
    return (match.group(1), match.group(2), match.group(3)) if match else None


def status_line_text(old: str, new: str, note: str | None = None) -> str:
    return f"status {old} -> {new}" + (f": {note}" if note else "")


def timeline(record: Record, day_start: int) -> list[tuple[datetime, str]]:
    """The ticket's statuses over time: ``(since, status)``, oldest first; a moment
    without a time is at ``day_start`` (``parse_stamp``)."""
    opened = parse_stamp(record.fields.get("opened"), day_start)
    if opened is None:
        return []
    changes: list[tuple[datetime, str]] = [(opened, "new")]
    for entry in record.log:
        found = status_change(entry.text)
        if found is None:
            continue
        moment = parse_stamp(f"{entry.date} {entry.time or ''}".strip(), day_start)
        if moment is not None:  # an impossible date is left to 'check'
            changes.append((max(moment, opened), found[1]))
    changes.sort(key=lambda change: change[0])
    return changes


def active_minutes(changes: list[tuple[datetime, str]], until: datetime, hours: Hours) -> int:
    """Working minutes before ``until`` during which the ticket was new or open."""
    total = 0
    for index, (since, status) in enumerate(changes):
        if status not in RUNNING:
            continue
        end = changes[index + 1][0] if index + 1 < len(changes) else until
        total += working_minutes(since, min(end, until), hours)
    return total


@dataclass
class Clock:
    """One SLA clock of a ticket: the first response, or the resolution."""

    name: str  # response | resolution
    target: int | None  # working minutes; None: no target
    used: int  # working minutes counted so far (or until it stopped)
    stopped: bool  # the response was given / the ticket resolved
    running: bool  # the clock runs now (not stopped, ticket new or open)
    deadline: datetime | None  # when a running clock breaches
    warn: int

    @property
    def breached(self) -> bool:
        return self.target is not None and self.used > self.target

    @property
    def at_risk(self) -> bool:
        return (
            self.running
            and self.target is not None
            and not self.breached
            and self.used * 100 >= self.target * self.warn
        )

    @property
    def state(self) -> str:
        """met | breached | at risk | running | paused | none (no target)."""
        if self.target is None:
            return "none"
        if self.breached:
            return "breached"
        if self.stopped:
            return "met"
        if self.at_risk:
            return "at risk"
        return "running" if self.running else "paused"

    def describe(self) -> str:
        """``1h10m of 4h: met``; ``3h of 4h: due 2026-11-27 15:30``; ``5h of 4h: overdue by 1h``."""
        used = format_minutes(self.used)
        if self.target is None:
            return f"{used} (no target)"
        of = f"{used} of {format_minutes(self.target)}"
        if self.breached:
            over = format_minutes(self.used - self.target)
            return f"{of}: {'missed' if self.stopped else 'overdue'} by {over}"
        if self.stopped:
            return f"{of}: met"
        if self.running and self.deadline is not None:
            return f"{of}: due {format_stamp(self.deadline)}"
        return f"{of}: paused, waiting on the client"

    def headline(self) -> str:
        """Why a ticket needs attention: ``response overdue by 1h (target 4h)``."""
        target = format_minutes(self.target or 0)
        if self.breached:
            return (
                f"{self.name} overdue by {format_minutes(self.used - (self.target or 0))} "
                f"(target {target})"
            )
        due = format_stamp(self.deadline) if self.deadline else "soon"
        left = format_minutes(max(0, (self.target or 0) - self.used))
        return f"{self.name} due {due} ({left} left of {target})"

    def as_json(self) -> dict[str, Any]:
        return {
            "target_minutes": self.target,
            "used_minutes": self.used,
            "state": self.state,
            "breached": self.breached,
            "deadline": format_stamp(self.deadline) if self.deadline else None,
        }


@dataclass
class Clocks:
    response: Clock
    resolution: Clock

    def worst(self) -> Clock | None:
        """The clock to show first: breached, then at risk (None when all is well)."""
        for state in ("breached", "at risk"):
            for clock in (self.response, self.resolution):
                if clock.state == state and not (state == "breached" and clock.stopped):
                    return clock
        return None

    def state(self) -> str:
        """The ticket's SLA in a word: ok, at risk, breached, missed (a stopped clock
        was over its target) or met."""
        clock = self.worst()
        if clock is not None:
            return clock.state
        if self.response.breached or self.resolution.breached:
            return "missed"
        return "met" if self.resolution.stopped else "ok"

    def summary(self) -> str:
        """A short SLA column for lists: ``response breached``, ``resolution missed``, ``ok``."""
        clock = self.worst()
        if clock is not None:
            return f"{clock.name} {clock.state}"
        missed = [c.name for c in (self.response, self.resolution) if c.breached]
        return f"{' and '.join(missed)} missed" if missed else self.state()


def clocks(record: Record, service: Service, hours: Hours, current: datetime) -> Clocks:
    """Both SLA clocks of a ticket at the moment ``current``."""
    target = service.target(record.get_text("priority"))
    changes = timeline(record, hours.start)
    status = record.get_text("status") or "new"
    running_now = status in RUNNING
    made = []
    for name, field, limit in (
        ("response", "first_response", target.response),
        ("resolution", "resolved", target.resolution),
    ):
        stop = parse_stamp(record.fields.get(field), hours.start)
        if stop is None and status in DONE:  # closed without the moment: the last change
            stop = changes[-1][0] if changes else None
        used = active_minutes(changes, stop or current, hours) if changes else 0
        running = stop is None and running_now
        deadline = None
        if running and limit is not None:
            deadline = add_working_minutes(current, max(0, limit - used), hours)
        made.append(Clock(name, limit, used, stop is not None, running, deadline, service.warn))
    return Clocks(made[0], made[1])


# ---------------------------------------------------------------- today and the card


def ticket_attention(
    store: Store, day: date, owner: str | None, limit: int | None = None
) -> tuple[list[Attention], int]:
    """Unresolved tickets (of ``owner`` and nobody's) whose SLA is breached or at risk:
    the first ``limit`` (None: all), and how many there are.

    Reads the index only: one SQL query over the tickets not yet resolved (their
    front matter and log), no file is opened.  On another day than today the
    clocks are read at the start of that day's working hours.  Broken service
    settings are warned about, and their defaults used: ``today`` goes on.
    """

    service, problems = read_service(store.config)
    if problems:
        store.warn(f"{problems[0]} (the SLA of tickets uses the defaults; see 'plaincrm check')")
    hours = Hours.of(store.config)
    current = now()
    if day != current.date():
        current = datetime.combine(day, time()) + timedelta(minutes=hours.start)
    mine = "owner = ? OR owner IS NULL) AND (" if owner is not None else ""  # cheap first
    query = (
        "SELECT path, json_extract(data, '$.fields'), json_extract(details, '$.log') "
        f"FROM files WHERE type = 'ticket' AND ({mine}fatal IS NULL) "
        "AND coalesce(json_extract(data, '$.fields.status'), 'new') NOT IN (?, ?) "
        "ORDER BY slug"
    )
    params = [*([owner] if owner is not None else []), *DONE]
    store.warn_broken("ticket")
    found: list[tuple[int, str, Record, Clock]] = []
    rows = store.index.conn.execute(query, params).fetchall()
    for path, fields, log in rows:
        record = Record(
            TYPES["ticket"], path, json.loads(fields), log=[LogEntry(**e) for e in json.loads(log)]
        )
        clock = clocks(record, service, hours, current).worst()
        if clock is not None:
            found.append((0 if clock.breached else 1, path, record, clock))
    found.sort(key=lambda item: (item[0], item[1]))
    shown = found[:limit]  # what is shown is worded, with the names of the clients
    slugs = {slug for *_, record, _ in shown if (slug := record.get_text("client"))}
    names = store.titles(path_of("client", slug) for slug in slugs)
    attention = []
    for _, path, record, clock in shown:
        priority = record.get_text("priority") or "normal"
        reason = f"{clock.headline()}; {priority} {record.get_text('kind') or 'ticket'}"
        slug = record.get_text("client")
        name = slug and names.get(path_of("client", slug), slug)
        attention.append(Attention("ticket", path, record.title, reason, name))
    return attention, len(found)


def ticket_details(store: Store, record: Record) -> dict[str, str]:
    """What a ticket shows on its client's card: kind, priority, status and SLA."""
    service = read_service(store.config)[0]  # the card shows, even under broken settings
    state = clocks(record, service, Hours.of(store.config), now())
    return {
        "kind": record.get_text("kind") or "",
        "priority": record.get_text("priority") or "",
        "status": record.get_text("status") or "",
        "sla": f"SLA {state.summary()}",
    }
