"""``plaincrm task add|done|move|edit|delete|reopen|list``."""

from __future__ import annotations

import sys
from datetime import date

import click

from ..core.dates import format_duration
from ..core.store import Store, TaskEntry
from ..tasks.taskops import add_task, complete_task, delete_task, edit_task, move_task, reopen_task
from ..views.tasks import TaskListView, task_list_view, task_query
from .common import (
    date_arg,
    duration_arg,
    get_app,
    json_option,
    owner_option,
    owner_options,
    query_argument,
    task_owner,
    time_arg,
    warn,
)
from .completion import complete_ref, complete_task_id
from .formatters import formatter, text_of
from .output import table

EVERY_HELP = (
    "Repeat: 1w, 2w, 1m, 1d, 1y (every N days, weeks, months, years), weekday (every "
    "working day) or days like mon,thu; completing it adds the next occurrence."
)


@click.group()
def task() -> None:
    """Tasks: checklist lines in a record's '## Tasks' section.

    A task is addressed by its id (any unambiguous prefix) or, before it has
    an id, by REF#N: the N-th task of record REF.

    \b
    Example:
      plaincrm task add acme "Call Anna about the renewal" --due tomorrow --at 09:30 --dur 30m
      plaincrm task done k3x9 --note "Renewal agreed; send the contract by Friday."
    """


@task.command("add")
@click.argument("ref", shell_complete=complete_ref())
@click.argument("title")
@click.option(
    "--due", metavar="DATE", help="Planned date: 2026-12-01, today, tomorrow, friday, +3d, +1w."
)
@click.option(
    "--at",
    "at",
    metavar="HH:MM",
    help="Planned start time (sets --due today when no date is given).",
)
@click.option("--dur", metavar="DURATION", help="Planned length: 30m, 1h, 1h30m.")
@owner_option("Who does it (default: the record's owner).")
@click.option("--every", metavar="RULE", help=EVERY_HELP)
def task_add(
    ref: str,
    title: str,
    due: str | None,
    at: str | None,
    dur: str | None,
    owner: str | None,
    every: str | None,
) -> None:
    """Add a task to record REF and print its id.

    \b
    Example:
      plaincrm task add acme "Send the offer" --due friday --dur 1h
      plaincrm task add acme "Monthly order call" --due 2026-12-05 --at 10:00 --every 1m
    """
    store = get_app().store
    path = store.resolve(ref)
    when = date_arg(due)
    task_id = add_task(
        store,
        path,
        title,
        due=when,
        at=time_arg(at),
        dur=duration_arg(dur),
        owner=owner,
        every=every,
    )
    click.echo(task_id)
    click.echo(f"Added to {path}", err=True)
    _warn_day_off(store, task_id, when or (store.today() if at else None))


def _warn_day_off(store: Store, task_ref: str, day: date | None) -> None:
    """Say so when a task is put on a day that is not a working day (``tomorrow`` said
    on a Friday): the daily views show it as overdue on the next working day."""
    if day is None or store.config.is_workday(day):
        return
    after = store.config.next_workday(day)
    warn(
        f"{day:%A} {day.isoformat()} is not a working day (workday.days in plaincrm.yaml); "
        f"'plaincrm task move {task_ref} --due {after.isoformat()}' puts it on the next one"
    )


def _read_note() -> str:
    click.echo("Result of the task: the main points, for the client's history.", err=True)
    click.echo("Type them below; an empty line ends the note.", err=True)
    lines = []
    while True:
        try:
            line = input("> ")
        except EOFError:
            break
        if not line.strip():
            break
        lines.append(line)
    return "\n".join(lines)


@task.command("done")
@click.argument("task_id", metavar="ID", shell_complete=complete_task_id)
@click.option(
    "--note",
    metavar="TEXT",
    help="The result: main points for the history ('-' reads it from stdin).",
)
@click.option("--no-note", is_flag=True, help="Complete without asking for a note.")
@click.option("--date", "on", metavar="DATE", help="When it was done (default: today).")
def task_done(task_id: str, note: str | None, no_note: bool, on: str | None) -> None:
    """Mark a task done and record the main points of its result under it.

    Without --note, asks for the note when run in a terminal.

    \b
    Example:
      plaincrm task done k3x9 --note "Wants 3 more licences; call back in January."
    """
    app = get_app()
    if note == "-":
        note = sys.stdin.read()
    elif note is None and not no_note and sys.stdin.isatty():
        note = _read_note()
    day = date_arg(on, past=True) or app.today()
    done = complete_task(app.store, task_id, note, day)
    click.echo(f"Done: {done.task.title} ({done.path})")
    if done.added:
        rule = done.task.every
        click.echo(f"Next: {done.added}, every:{rule}", err=True)


@task.command("move")
@click.argument("task_id", metavar="ID", shell_complete=complete_task_id)
@click.option("--due", metavar="DATE", help="New date.")
@click.option("--at", "at", metavar="HH:MM", help="New start time.")
@click.option("--no-time", is_flag=True, help="Remove the start time.")
def task_move(task_id: str, due: str | None, at: str | None, no_time: bool) -> None:
    """Reschedule a task to another date and/or time.

    \b
    Example:
      plaincrm task move k3x9 --due tomorrow --at 14:00
    """
    store = get_app().store
    when = date_arg(due)
    moved = move_task(store, task_id, due=when, at=time_arg(at), clear_time=no_time)
    click.echo(f"Moved: {moved.task.title} ({moved.path})")
    _warn_day_off(store, moved.task.id or task_id, when)


@task.command("edit")
@click.argument("task_id", metavar="ID", shell_complete=complete_task_id)
@click.option("--title", metavar="TEXT", help="New title.")
@owner_option("Who does it ('': nobody named on the task: the record's owner).")
@click.option("--note", metavar="TEXT", help="Replace the note ('' removes it, '-' reads stdin).")
@click.option("--every", metavar="RULE", help=EVERY_HELP + " 'none' stops the repeating.")
def task_edit(
    task_id: str, title: str | None, owner: str | None, note: str | None, every: str | None
) -> None:
    """Change a task's title, owner, note or repeat rule; the rest of it stays.
    (Its date and time: 'plaincrm task move'.)

    \b
    Example:
      plaincrm task edit k3x9 --title "Call Anna about the 2027 renewal" --owner ben
      plaincrm task edit k3x9 --every none
    """
    if note == "-":
        note = sys.stdin.read()
    edited = edit_task(get_app().store, task_id, title=title, owner=owner, note=note, every=every)
    click.echo(f"Edited: {title or edited.task.title} ({edited.path})")


@task.command("delete")
@click.argument("task_id", metavar="ID", shell_complete=complete_task_id)
def task_delete(task_id: str) -> None:
    """Remove a task (and its note) from its record; 'plaincrm history REF' shows it
    removed, and git keeps it.

    \b
    Example:
      plaincrm task delete k3x9
    """
    deleted = delete_task(get_app().store, task_id)
    click.echo(f"Deleted: {deleted.task.title} ({deleted.path})")


@task.command("reopen")
@click.argument("task_id", metavar="ID", shell_complete=complete_task_id)
def task_reopen(task_id: str) -> None:
    """Open a completed task again (its result note stays).

    \b
    Example:
      plaincrm task reopen k3x9
    """
    reopened = reopen_task(get_app().store, task_id)
    click.echo(f"Reopened: {reopened.task.title} ({reopened.path})")


def task_rows(entries: list[TaskEntry]) -> list[list[str]]:
    rows = []
    for entry in entries:
        t = entry.task
        rows.append(
            [
                entry.ref,
                (t.done or "") if t.checked else (t.due or ""),
                t.at or "",
                format_duration(t.dur) if t.dur else "",
                t.title,
                entry.label,
                entry.owner or "",
            ]
        )
    return rows


@task.command("list")
@query_argument
@owner_options
@click.option("--overdue", is_flag=True, help="Only open tasks due before today.")
@click.option("--due", metavar="DATE", help="Only tasks due on DATE.")
@click.option("--done", "done", is_flag=True, help="Completed tasks instead of open ones.")
@json_option
def task_list(
    query: tuple[str, ...],
    owner: str | None,
    all_owners: bool,
    overdue: bool,
    due: str | None,
    done: bool,
    as_json: bool,
) -> None:
    """List open tasks (yours by default) by date, filtered by a QUERY on the task
    keys (due, at, dur, done, id, owner, title, record, type, status); a query
    on status or done finds completed tasks too, one on owner everybody's.

    \b
    Example:
      plaincrm task list --all --overdue
      plaincrm task list owner:ben due.before:+7d
      plaincrm task list due.before:+7d record:acme
      plaincrm task list --done done.after:-30d sort:-done
    """
    app = get_app()
    who = task_owner(app, owner, all_owners, task_query(app.store, list(query)))
    view = task_list_view(
        app.store, list(query), who, overdue=overdue, due=date_arg(due), done=done
    )
    formatter(as_json).emit(view)


@text_of(TaskListView)
def _task_list_text(view: TaskListView) -> str:
    if not view.entries:
        return "No tasks."
    when = {"done": "DONE", "open": "DUE"}.get(view.state, "DUE/DONE")
    headers = ["ID", when, "AT", "DUR", "TITLE", "RECORD", "OWNER"]
    return table(task_rows(view.entries), headers, fit=[4, 5])
