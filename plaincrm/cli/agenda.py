"""``plaincrm today`` and ``plaincrm plan``."""

from __future__ import annotations

import click

from ..core.dates import format_duration, minutes_to_time
from ..core.model import slug_of
from ..core.store import TaskEntry
from ..core.text import plural
from ..tasks.agenda import DayView, Timed, fmt_minutes
from ..views.day import PlanView, Suggestion, TodayView, plan_view, today_view
from .common import date_arg, get_app, json_option, owner_options, resolve_owner
from .formatters import formatter, text_of
from .mail import mail_lines
from .output import style, table


def _who(view: DayView) -> str:
    return view.owner or "everybody"


def _heading(view: DayView, what: str) -> str:
    day = view.day.strftime("%A %d %B %Y")
    hours = f"{minutes_to_time(view.day_start)}-{minutes_to_time(view.day_end)}"
    note = "" if view.workday else style("  (not a working day)", fg="yellow")
    return style(f"{what} {day} - {_who(view)}", bold=True) + f"   working day {hours}{note}"


def _ref(entry: TaskEntry) -> str:
    """A task's id, in parentheses for a coming occurrence of a repeating task: that
    task (the one with this id) has to be done first, which adds it."""
    return f"({entry.ref})" if entry.projected else entry.ref


def _row(view: DayView, entry: TaskEntry, *extra: str) -> list[str]:
    row = [
        _ref(entry),
        *extra,
        entry.task.title,
        entry.label,
    ]
    if view.owner is None:  # everybody's view: say whose task it is
        row.append(entry.owner or "")
    return row


def _overdue_rows(view: DayView) -> list[list[str]]:
    return [
        _row(view, entry, style(f"{late}d late", fg="red"), entry.task.due or "")
        for entry, late in view.overdue
    ]


def _schedule_row(view: DayView, item: Timed) -> list[str]:
    flags = []
    if item.overlaps:
        flags.append(style("overlaps " + ", ".join(item.overlaps), fg="red"))
    if item.outside:
        flags.append(style("outside working hours", fg="yellow"))
    if item.entry.projected:
        flags.append(style(f"repeats every:{item.entry.task.every}", dim=True))
    span = f"{minutes_to_time(item.start)}-{minutes_to_time(item.end)}"
    return [span, *_row(view, item.entry), "  ".join(flags)]


ATTENTION_SHOWN = 10  # records of each kind; --json lists them all


def _attention_lines(view: DayView) -> list[str]:
    """The records that need attention: the first ``ATTENTION_SHOWN`` of each kind (the
    view holds no more), and how many more there are."""
    if not view.attention:
        return []
    rows = [[slug_of(a.path), a.title, a.client or "", a.reason] for a in view.attention]
    lines = ["", style("Needs attention", bold=True), table(rows, indent="  ", fit=[1, 2, 3])]
    lines += [
        f"  ... and {plural(count, 'more ' + kind)} (--json lists them all)"
        for kind, count in view.unshown.items()
    ]
    return lines


def _footer(view: DayView) -> str:
    length = view.day_end - view.day_start
    if not view.workday:
        text = (
            f"Planned {fmt_minutes(view.planned)} on a day off "
            "(working days are workday.days in plaincrm.yaml)."
        )
    elif view.planned <= length:
        text = (
            f"Planned {fmt_minutes(view.planned)} of {format_duration(length)} working time "
            f"({fmt_minutes(length - view.planned)} free)."
        )
    else:
        text = (
            f"Planned {fmt_minutes(view.planned)} of {format_duration(length)} working time"
            + style(f": overloaded by {fmt_minutes(view.planned - length)}.", fg="red")
        )
    clashes = sum(1 for t in view.timed if t.overlaps)
    if clashes:
        text += style(f" {plural(clashes, 'task')} overlap.", fg="red")
    return text


@click.command()
@owner_options
@click.option("--date", "on", metavar="DATE", help="Show another day as if it were today.")
@json_option
def today(owner: str | None, all_owners: bool, on: str | None, as_json: bool) -> None:
    """What to do today: overdue tasks (oldest first, days late), today's timed
    tasks in time order, then today's tasks without a time; a footer with the
    planned time against the working day and overlapping tasks flagged.

    \b
    Example:
      plaincrm today
      plaincrm today --all --date 2026-12-01
    """
    app = get_app()
    who = resolve_owner(app, owner, all_owners)
    limit = None if as_json else ATTENTION_SHOWN
    formatter(as_json).emit(today_view(app.store, date_arg(on) or app.today(), who, limit))


@text_of(TodayView)
def _today_text(today_view: TodayView) -> str:
    view = today_view.day
    out = [_heading(view, "Today,")]
    if view.overdue:
        overdue = table(_overdue_rows(view), indent="  ", fit=[3, 4])
        out += ["", style("Overdue", bold=True, fg="red"), overdue]
    out += ["", style("Schedule", bold=True)]
    out.append(
        table([_schedule_row(view, t) for t in view.timed], indent="  ", fit=[2, 3])
        if view.timed
        else "  no timed tasks"
    )
    if view.untimed:
        out += [
            "",
            style("Any time today", bold=True),
            table(
                [_row(view, e, format_duration(view.duration(e))) for e in view.untimed],
                indent="  ",
                fit=[2, 3],
            ),
        ]
    out += _coming_lines(view)
    out += _attention_lines(view)
    out += mail_lines(view.mail)
    out += ["", _footer(view)]
    if not (view.overdue or view.timed or view.untimed):
        out.append("Nothing planned. Plan the day with 'plaincrm plan today'.")
    return "\n".join(out)


@click.command()
@click.argument("day", required=False, metavar="[DATE]")
@owner_options
@json_option
def plan(day: str | None, owner: str | None, all_owners: bool, as_json: bool) -> None:
    """Plan a day, the next working day by default (on Friday, Monday): the
    schedule inside working hours with the free slots between tasks, planned
    time against capacity (with an overload warning), the day's tasks without a
    time and overdue tasks that still need a slot, each with the one command
    that puts it into the first free slot.  A day off has no free slots: its
    tasks are suggested for the next working day.

    \b
    Example:
      plaincrm plan
      plaincrm plan monday --owner ben
    """
    app = get_app()
    who = resolve_owner(app, owner, all_owners)
    limit = None if as_json else ATTENTION_SHOWN
    formatter(as_json).emit(plan_view(app.store, date_arg(day), who, limit))


@text_of(PlanView)
def _plan_text(plan: PlanView) -> str:
    view, move_to = plan.day, plan.move_to
    out = [_heading(view, "Plan for"), ""]
    if not view.workday:
        out[-1:] = [
            f"A day off: what needs a slot is suggested for {move_to.strftime('%A %d %B')} "
            f"('plaincrm plan {move_to.isoformat()}' plans it).",
            "",
        ]
    rows: list[tuple[int, list[str]]] = [(t.start, _schedule_row(view, t)) for t in view.timed]
    rows += [
        (
            a,
            [
                f"{minutes_to_time(a)}-{minutes_to_time(b)}",
                style(f"free {fmt_minutes(b - a)}", fg="green"),
            ],
        )
        for a, b in view.free_slots()
    ]
    ordered = [row for _, row in sorted(rows, key=lambda r: r[0])]
    out.append(table(ordered, indent="  ", fit=[2, 3]) if rows else "  no timed tasks")
    if plan.untimed:
        out += ["", style("Due that day, no time yet", bold=True)]
        out += _suggestion_lines(view, plan.untimed)
    if plan.overdue:
        out += ["", style("Overdue, still need a slot", bold=True, fg="red")]
        out += _suggestion_lines(view, plan.overdue)
    out += _coming_lines(view)
    out += _attention_lines(view)
    out += ["", _footer(view)]
    return "\n".join(out)


def _coming_lines(view: DayView) -> list[str]:
    """The repeating tasks coming that day (no time), and what the ``(id)`` rows mean."""
    lines = []
    if view.coming:
        rows = [
            _row(view, e, format_duration(view.duration(e)), f"every:{e.task.every}")
            for e in view.coming
        ]
        lines += ["", style("Repeating, comes that day", bold=True), table(rows, indent="  ")]
    if view.coming or any(t.entry.projected for t in view.timed):
        lines += [
            "",
            "(id): the next occurrence of a repeating task, added to its record when the "
            "task with that id is done.",
        ]
    return lines


def _suggestion_lines(view: DayView, items: list[Suggestion]) -> list[str]:
    rows = []
    for item in items:
        entry = item.entry
        hint = item.command
        if item.start is None and view.workday:
            hint = "no free slot left"
        rows.append(
            [
                entry.ref,
                format_duration(view.duration(entry)),
                entry.task.title,
                entry.label,
                style(hint, dim=True),
            ]
        )
    return [table(rows, indent="  ", fit=[2, 3])]
