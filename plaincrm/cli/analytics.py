"""The reports read from the CRM's git history: ``report forecast-accuracy``, ``report
movement``, and ``report activity`` (docs/sales.md "Time travel and sales analytics")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import click

from ..core.money import Amounts, money
from ..core.text import number, percent, plural
from ..sales.accuracy import LEADS, forecast_accuracy
from ..sales.activity import activity, week_of
from ..sales.movement import BRIDGE, KINDS, Movement, movement
from ..sales.pipeline import settings
from .common import as_of_option, date_arg, get_app, json_option
from .output import echo_json, style, table
from .reports import (
    currency_option,
    report_currency,
    report_owner,
    report_owner_option,
)


def _amounts(value: Amounts | None) -> str:
    return "-" if value is None else value.text()


def _heading(title: str, owner: str | None, *bits: str) -> str:
    return style(title, bold=True) + f"   ({', '.join([*bits, owner or 'everybody'])})"


# ---------------------------------------------------------------- forecast accuracy


@click.command("forecast-accuracy")
@click.option(
    "--by",
    type=click.Choice(["month", "quarter"]),
    default="month",
    show_default=True,
    help="Length of a period.",
)
@click.option(
    "--since", metavar="DATE", help="From the period holding DATE (default: a year back)."
)
@report_owner_option
@currency_option
@json_option
@as_of_option
def report_forecast_accuracy(
    by: str, since: str | None, owner: str | None, currency: str | None, as_json: bool
) -> None:
    """For each past month (or quarter): the weighted forecast of the period as it
    stood at its start, and 30 and 90 days before (read from git's history), what
    was actually won in it, the error (forecast at the start minus won) and, over
    all the periods, the bias: did we over- or under-forecast?  Per owner and in
    total; currencies apart unless --currency converts them.

    \b
    Example:
      plaincrm report forecast-accuracy
      plaincrm report forecast-accuracy --by quarter --since 2026-01-01 --owner ben
    """
    store = get_app().store
    pipeline = settings(store)
    who = report_owner(owner)
    result = forecast_accuracy(
        store,
        pipeline,
        by=by,
        since=date_arg(since, past=True),
        owner=who,
        currency=report_currency(currency),
    )
    if as_json:
        echo_json(
            {
                "by": by,
                "since": result.since.isoformat(),
                "owner": who,
                "currency": result.currency,
                "periods": [row.as_json() for row in result.rows],
                "summary": [summary.as_json() for summary in result.summaries],
            }
        )
        return
    out = [_heading("Forecast accuracy", who, f"by {by} since {result.since.isoformat()}"), ""]
    if not result.rows:
        out.append("No period has ended since then.")
        click.echo("\n".join(out))
        return
    rows = []
    for row in result.rows:
        rows.append(
            [
                row.period,
                row.owner or "total",
                *(_amounts(row.forecast.get(lead)) for lead in sorted(LEADS, reverse=True)),
                _amounts(row.won),
                _amounts(row.error),
                percent(row.error_percent),
            ]
        )
    headers = ["PERIOD", "OWNER", "90 DAYS BEFORE", "30 DAYS BEFORE", "AT START", "WON"]
    out.append(table(rows, [*headers, "ERROR", "ERROR %"], right=[2, 3, 4, 5, 6, 7]))
    out.append("")
    for summary in result.summaries:
        name = summary.owner or "Total"
        if not summary.periods:
            out.append(f"{name}: no forecast to judge (no history before these periods).")
            continue
        out.append(
            f"{name}: forecast {summary.forecast.text()}, won {summary.won.text()} over "
            f"{plural(summary.periods, 'period')}: {summary.verdict}"
            + (f" by {_magnitude(summary.bias)}" if summary.verdict != "on target" else "")
            + (f" ({percent(summary.bias_percent)})" if summary.bias_percent is not None else "")
            + "."
        )
    out.append("")
    out.append("The error is the forecast at the period's start minus what was won in it.")
    click.echo("\n".join(out))


def _magnitude(amounts: Amounts) -> str:
    """How far off, whichever way (the verdict says which)."""
    return Amounts({currency: abs(value) for currency, value in amounts.items()}).text()


# ---------------------------------------------------------------- movement


_TITLES = {
    "new": "New",
    "reopened": "Reopened",
    "advanced": "Advanced",
    "backwards": "Went backwards",
    "slipped": "Slipped (close date later)",
    "stalled": "Stalled (same stage, no activity)",
    "won": "Won",
    "lost": "Lost",
    "increased": "Amount increased",
    "decreased": "Amount decreased",
    "removed": "Removed (file deleted)",
}


@click.command("movement")
@click.option("--since", metavar="DATE", required=True, help="From the start of DATE ('monday').")
@click.option("--until", metavar="DATE", help="To the end of DATE (default: the files now).")
@report_owner_option
@currency_option
@json_option
@as_of_option
def report_movement(
    since: str, until: str | None, owner: str | None, currency: str | None, as_json: bool
) -> None:
    """The weekly sales meeting on one screen: how the open pipeline moved from the
    start of --since to the end of --until (default: now), read from git's history.
    New deals, deals that advanced, slipped (close date later), went backwards,
    stalled, were won, lost or changed amount; the open pipeline's value at both
    ends and the bridge between them, to the cent:
    start + new + increases - decreases - won - lost (- removed) = end.

    \b
    Example:
      plaincrm report movement --since monday
      plaincrm report movement --since 2026-11-01 --until 2026-11-30 --json
    """
    store = get_app().store
    pipeline = settings(store)
    first = date_arg(since, past=True)
    assert first is not None
    last = date_arg(until, past=True)
    who = report_owner(owner)
    result = movement(store, pipeline, first, last, who, report_currency(currency))
    if as_json:
        echo_json(_movement_json(result, who))
        return
    click.echo(_render_movement(result, who))


def _movement_json(result: Movement, owner: str | None) -> dict[str, Any]:
    return {
        "since": result.since.isoformat(),
        "until": result.until.isoformat() if result.until else None,
        "owner": owner,
        "currency": result.currency,
        "start_commit": result.start_commit,
        "end_commit": result.end_commit,
        "bridge": {key: result.bridge[key].as_json() for key in BRIDGE},
        "deals": {kind: [c.as_json() for c in result.of_kind(kind)] for kind in KINDS},
    }


def _render_movement(result: Movement, owner: str | None) -> str:
    end = result.until.isoformat() if result.until else "now"
    out = [_heading("Pipeline movement", owner, f"{result.since.isoformat()} to {end}"), ""]
    bridge = result.bridge
    signs = {"new": "+", "increases": "+", "decreases": "-", "won": "-", "lost": "-"}
    signs["removed"] = "-"
    rows = [["open at the start", "", _amounts(bridge["start"])]]
    for key in BRIDGE[1:-1]:
        if key == "removed" and not any(bridge[key].values()):
            continue
        rows.append([key, signs[key], _amounts(bridge[key])])
    rows.append(["open at the end", "=", _amounts(bridge["end"])])
    out.append(table(rows, ["PIPELINE", "", "VALUE"], right=[2]))
    for kind in KINDS:
        changes = result.of_kind(kind)
        if not changes:
            continue
        out += ["", style(f"{_TITLES[kind]}: {number(len(changes))}", bold=True)]
        lines = []
        for change in changes:
            b, a = change.before, change.after
            stage = " -> ".join(dict.fromkeys(d.stage for d in (b, a) if d is not None))
            amount = " -> ".join(
                dict.fromkeys(money(d.amount, d.currency) or "-" for d in (b, a) if d)
            )
            close = " -> ".join(dict.fromkeys(d.close or "-" for d in (b, a) if d is not None))
            lines.append([change.deal.ref, stage, amount, close, change.deal.owner or ""])
        out.append(table(lines, ["DEAL", "STAGE", "AMOUNT", "CLOSE", "OWNER"], fit=[0]))
    if not result.changes:
        out += ["", "No deal moved."]
    return "\n".join(out)


# ---------------------------------------------------------------- activity


@click.command("activity")
@click.option("--since", metavar="DATE", help="From DATE (default: four weeks back, a Monday).")
@click.option(
    "--by",
    type=click.Choice(["owner", "week"]),
    default="owner",
    show_default=True,
    help="One line per person, or per person and week.",
)
@click.option(
    "--idle",
    type=click.IntRange(1, 3650),
    default=14,
    show_default=True,
    metavar="DAYS",
    help="List the open deals without activity for DAYS or more.",
)
@report_owner_option
@json_option
@as_of_option
def report_activity(
    since: str | None, by: str, idle: int, owner: str | None, as_json: bool
) -> None:
    """Activity-based selling: per person (and week with --by week) the tasks
    completed, deals touched, stage changes, deals opened and mails recorded;
    then each person's open deals nobody has worked on for --idle days.

    \b
    Example:
      plaincrm report activity --since monday --by week
      plaincrm report activity --idle 30 --owner ben --json
    """
    store = get_app().store
    pipeline = settings(store)
    today = store.today()
    first = date_arg(since, past=True) or week_of(today) - timedelta(weeks=3)
    who = report_owner(owner)
    result = activity(store, pipeline, since=first, by=by, owner=who, idle=idle)
    if as_json:
        echo_json(
            {
                "since": result.since.isoformat(),
                "until": result.until.isoformat(),
                "by": by,
                "owner": who,
                "people": [line.as_json() for line in result.lines],
                "idle_days": idle,
                "idle": [deal.as_json() for deal in result.idle],
            }
        )
        return
    bits = f"{result.since.isoformat()} to {result.until.isoformat()}"
    out = [_heading("Activity", who, bits), ""]
    if result.lines:
        rows = [
            [
                line.owner,
                *([line.week.isoformat() if line.week else ""] if by == "week" else []),
                number(line.tasks_done),
                number(len(line.deals)),
                number(line.stage_changes),
                number(line.deals_opened),
                number(line.mails),
            ]
            for line in result.lines
        ]
        headers = ["PERSON", *(["WEEK OF"] if by == "week" else [])]
        headers += ["TASKS DONE", "DEALS TOUCHED", "STAGE CHANGES", "OPENED", "MAILS"]
        first_number = 2 if by == "week" else 1
        out.append(table(rows, headers, right=list(range(first_number, len(headers)))))
    else:
        out.append("No activity recorded in this window.")
    out += ["", style(f"Open deals idle for {plural(idle, 'day')} or more", bold=True)]
    if result.idle:
        rows = [
            [
                deal.owner,
                deal.ref,
                deal.stage,
                deal.last_activity or "-",
                number(deal.days) if deal.days is not None else "-",
            ]
            for deal in result.idle
        ]
        out.append(
            table(rows, ["OWNER", "DEAL", "STAGE", "LAST ACTIVITY", "DAYS"], right=[4], fit=[1])
        )
    else:
        out.append("None.")
    click.echo("\n".join(out))
