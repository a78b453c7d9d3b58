"""``plaincrm history`` and ``plaincrm activity``."""

from __future__ import annotations

from datetime import date, timedelta

import click

from ..core.errors import UsageError
from ..core.store import type_of_path
from ..core.text import number, plural
from ..git.history import CATEGORIES, Activity, Event
from ..sales.deallog import display_text
from ..views.history import ActivityView, HistoryView, activity_view, history_view
from .common import date_arg, get_app, json_option, warn
from .formatters import formatter, text_of
from .output import style


def _range(since: str | None, until: str | None) -> tuple[date | None, date | None]:
    start = date_arg(since, past=True)
    end = date_arg(until, past=True)
    if start and end and start > end:
        raise UsageError(f"--since {start} is after --until {end}: swap them")
    return start, end


def _day(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%Y-%m-%d %a")


@click.command()
@click.argument("ref")
@click.option("--since", metavar="DATE", help="Only what happened on or after DATE.")
@click.option("--until", metavar="DATE", help="Only what happened on or before DATE.")
@click.option("--only", is_flag=True, help="This record alone, without the records linked to it.")
@json_option
def history(ref: str, since: str | None, until: str | None, only: bool, as_json: bool) -> None:
    """Everything that happened with a record, newest first, on one timeline: the
    changes recorded in git (field by field, by whom, through plaincrm or by hand),
    completed tasks with their result notes, and log lines.  It includes the
    records that refer to the record: a client's deals, tickets, documents ...,
    a deal's documents and tickets.

    \b
    Example:
      plaincrm history acme
      plaincrm history acme --since 2026-01-01 --json
    """
    store = get_app().store
    start, end = _range(since, until)
    view = history_view(store, store.resolve(ref), start, end, linked=not only)
    if not view.history.git:
        warn(
            f"{store.root} is not in a git repository: only the completed tasks and log lines "
            "the files hold are shown (git keeps the history of every change: 'git init')"
        )
    formatter(as_json).emit(view)


@text_of(HistoryView)
def _history_text(view: HistoryView) -> str:
    found = view.history
    heading = f"{found.title} ({found.path})"
    if found.linked:
        heading += f" and {plural(len(found.linked), 'linked record')}"
    lines = [style(heading, bold=True)]
    if not found.events:
        lines.append("Nothing recorded" + (" in that period." if view.window else " yet."))
        return "\n".join(lines)
    width = max(len(event.who or "") for event in found.events)
    indent = " " * (11 + width)
    for day, events in view.days:
        lines.append("\n" + style(_day(day), bold=True))
        for event in events:
            lines.append(_event_line(event, found.path, width))
            if event.details:
                lines.append(indent + style("(" + "; ".join(event.details) + ")", dim=True))
            lines += [indent + style("| " + line, dim=True) for line in event.note.splitlines()]
    return "\n".join(lines)


def _event_line(event: Event, main: str, width: int) -> str:
    text = event.text
    if event.kind == "log" and type_of_path(event.path).name == "deal":
        text = display_text(text)  # a deal's log line: amounts as shown everywhere
    if event.path != main:
        kind = type_of_path(event.path).name
        text = f"{style(f'[{kind} {event.record}]', fg='cyan')} {text}"
    if event.by_hand:
        text += style("  (by hand)", dim=True)
    return f"  {event.time or '':5}  {(event.who or ''):<{width}}  {text}"


@click.command("activity")
@click.option("--since", metavar="DATE", help="From DATE (default: 7 days ago).")
@click.option("--until", metavar="DATE", help="Up to DATE (default: today).")
@click.option("--by", "by", metavar="AUTHOR", help="Only this person (user, git name or e-mail).")
@json_option
def activity_command(since: str | None, until: str | None, by: str | None, as_json: bool) -> None:
    """What the team did, by day and person: records created, deals moved, won
    and lost, tasks completed (with their notes), other edits.  Read from git,
    so hand edits count too.  The weekly review.

    \b
    Example:
      plaincrm activity --since monday
      plaincrm activity --since 2026-11-01 --until 2026-11-30 --by ben --json
    """
    app = get_app()
    start, end = _range(since, until)
    start = start or app.today() - timedelta(days=7)
    formatter(as_json).emit(activity_view(app.store, start, end or app.today(), by))


@text_of(ActivityView)
def _activity_text(view: ActivityView) -> str:
    by = view.by
    lines = [
        style(f"Activity {view.since} .. {view.until}" + (f" by {by}" if by else ""), bold=True)
    ]
    if not view.items:
        lines.append("Nothing happened to records in that period.")
        return "\n".join(lines)
    for day, by_person in view.days:
        lines.append("\n" + style(_day(day), bold=True))
        for who, mine in by_person:
            lines.append(f"  {style(who, fg='cyan')}")
            lines += [_activity_line(item) for item in mine]
    counts = view.counts
    people = plural(len(view.people), "person", "people")
    summary = ", ".join(f"{number(counts[name])} {name}" for name in CATEGORIES if counts[name])
    lines.append(f"\n{people}: {summary}")
    return "\n".join(lines)


def _activity_line(item: Activity) -> str:
    kind = type_of_path(item.path).name
    text = f"    {item.category:<8} {kind} {item.record}" + (f": {item.text}" if item.text else "")
    if item.by_hand:
        text += style("  (by hand)", dim=True)
    notes = [f"{' ' * 13}{style('| ' + line, dim=True)}" for line in item.note.splitlines()]
    return "\n".join([text, *notes])
