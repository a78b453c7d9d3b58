"""``plaincrm history`` and ``plaincrm activity``."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import groupby

import click

from ..core.errors import UsageError
from ..core.store import type_of_path
from ..core.text import number, plural
from ..git.history import CATEGORIES, Activity, Event, activity, record_history
from ..sales.deallog import display_text
from .common import date_arg, get_app, json_option, warn
from .output import echo_json, style


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
    app = get_app()
    store = app.store
    path = store.resolve(ref)
    start, end = _range(since, until)
    found = record_history(
        store,
        path,
        since=start.isoformat() if start else None,
        until=end.isoformat() if end else None,
        linked=not only,
    )
    if not found.git:
        warn(
            f"{store.root} is not in a git repository: only the completed tasks and log lines "
            "the files hold are shown (git keeps the history of every change: 'git init')"
        )
    if as_json:
        echo_json(
            {
                "record": found.path,
                "record_title": found.title,
                "linked": found.linked,
                "git": found.git,
                "events": [event.as_json() for event in found.events],
            }
        )
        return
    heading = f"{found.title} ({found.path})"
    if found.linked:
        heading += f" and {plural(len(found.linked), 'linked record')}"
    click.echo(style(heading, bold=True))
    if not found.events:
        click.echo("Nothing recorded" + (" in that period." if since or until else " yet."))
        return
    width = max(len(event.who or "") for event in found.events)
    for day, events in groupby(found.events, key=lambda event: event.date):
        click.echo("\n" + style(_day(day), bold=True))
        for event in events:
            click.echo(_event_line(event, found.path, width))
            indent = " " * (11 + width)
            if event.details:
                click.echo(indent + style("(" + "; ".join(event.details) + ")", dim=True))
            for line in event.note.splitlines():
                click.echo(indent + style("| " + line, dim=True))


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
    store = app.store
    start, end = _range(since, until)
    start = start or app.today() - timedelta(days=7)
    end = end or app.today()
    from ..git.hooks import require_git

    require_git(store.root)
    items = activity(store, since=start.isoformat(), until=end.isoformat(), by=by)
    counts = {name: sum(item.category == name for item in items) for name in CATEGORIES}
    if as_json:
        echo_json(
            {
                "since": start.isoformat(),
                "until": end.isoformat(),
                "by": by,
                "counts": counts,
                "people": sorted({item.who for item in items}),
                "items": [item.as_json() for item in items],
            }
        )
        return
    click.echo(style(f"Activity {start} .. {end}" + (f" by {by}" if by else ""), bold=True))
    if not items:
        click.echo("Nothing happened to records in that period.")
        return
    for day, of_day in groupby(items, key=lambda item: item.date):
        click.echo("\n" + style(_day(day), bold=True))
        for who, mine in groupby(sorted(of_day, key=lambda item: item.who), key=lambda i: i.who):
            click.echo(f"  {style(who, fg='cyan')}")
            for item in mine:
                click.echo(_activity_line(item))
    people = plural(len({item.who for item in items}), "person", "people")
    summary = ", ".join(f"{number(counts[name])} {name}" for name in CATEGORIES if counts[name])
    click.echo(f"\n{people}: {summary}")


def _activity_line(item: Activity) -> str:
    kind = type_of_path(item.path).name
    text = f"    {item.category:<8} {kind} {item.record}" + (f": {item.text}" if item.text else "")
    if item.by_hand:
        text += style("  (by hand)", dim=True)
    notes = [f"{' ' * 13}{style('| ' + line, dim=True)}" for line in item.note.splitlines()]
    return "\n".join([text, *notes])
