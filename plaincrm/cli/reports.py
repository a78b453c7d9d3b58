"""``plaincrm report``: a group of reports, each loaded on first use.

To add a report, write its click command in your own module under
``plaincrm/cli/`` and add a line to ``REPORTS``::

    "service": ("tickets", "report_service", "Tickets by status, category and age."),

The shared options (``--since``, ``--owner``, ``--currency``) are decorators
here for every report to use.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import click

from ..core.money import check_currency
from ..core.text import number, percent
from ..sales.reports import CompetitorRow
from ..views.reports import (
    CompetitorsView,
    LostView,
    StagesView,
    competitors_view,
    lost_view,
    stages_view,
)
from . import LazyGroup
from .common import as_of_option, date_arg, get_app, json_option, owner_option, resolve_owner
from .formatters import formatter, text_of
from .output import style, table

F = TypeVar("F", bound=Callable[..., Any])

# name -> (module under plaincrm/cli, attribute, one-line help)
REPORTS: dict[str, tuple[str, str, str]] = {
    "lost": ("reports", "report_lost", "Lost deals by reason: count, amount, stage at loss."),
    "competitors": (
        "reports",
        "report_competitors",
        "Per competitor: deals met, won, lost, win rate, reasons, their card.",
    ),
    "stages": ("reports", "report_stages", "Conversion between stages and days spent in each."),
    "forecast-accuracy": (
        "analytics",
        "report_forecast_accuracy",
        "What the forecast said of each past period, what was won, error and bias.",
    ),
    "movement": (
        "analytics",
        "report_movement",
        "How the open pipeline moved since a day: new, advanced, slipped, won, lost.",
    ),
    "activity": (
        "analytics",
        "report_activity",
        "Per person and week: tasks done, deals touched, stage changes, mails; idle deals.",
    ),
    "service": (
        "tickets",
        "report_service",
        "Tickets by kind and status, response times, SLA breaches, upsell funnel.",
    ),
    "campaigns": (
        "campaigns",
        "report_campaigns",
        "Per campaign: audience, responses, deals won, cost per response, ROI.",
    ),
}


@click.group(cls=LazyGroup, lazy=REPORTS)
def report() -> None:
    """Reports on the repository; each has --json and most a --since DATE window.

    \b
    Example:
      plaincrm report lost --since 2026-01-01
      plaincrm report competitors
      plaincrm report stages --json
    """


def since_option(func: F) -> F:
    """``--since DATE``: only what happened on or after DATE (``report_since`` reads it)."""
    return click.option(
        "--since", metavar="DATE", help="Only what closed or happened on or after DATE."
    )(func)


def report_owner_option(func: F) -> F:
    """``--owner NAME``: only this owner's records (default everybody; 'me' works)."""
    return owner_option("Only this owner's records ('me' for you; default: everybody).")(func)


def currency_option(func: F) -> F:
    return click.option(
        "--currency",
        metavar="CODE",
        help="Convert every amount to CODE at pipeline.rates (default: each currency apart).",
    )(func)


def report_since(text: str | None) -> date | None:
    return date_arg(text, past=True)


def report_currency(code: str | None) -> str | None:
    return check_currency(code) if code is not None else None


def report_owner(owner: str | None) -> str | None:
    """None (everybody) unless ``--owner`` is given."""
    return resolve_owner(get_app(), owner, False) if owner else None


def report_heading(title: str, since: date | None, owner: str | None) -> str:
    bits = [f"since {since.isoformat()}" if since else "all time", owner or "everybody"]
    return style(title, bold=True) + f"   ({', '.join(bits)})"


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {number(n)}" for name, n in counts.items())


@click.command("lost")
@since_option
@report_owner_option
@currency_option
@json_option
@as_of_option
def report_lost(since: str | None, owner: str | None, currency: str | None, as_json: bool) -> None:
    """Lost deals by reason, most frequent first: how many, their amount, the
    stage they were lost at and the competitors they went to.

    \b
    Example:
      plaincrm report lost --since 2026-01-01
    """
    store = get_app().store
    view = lost_view(store, report_since(since), report_owner(owner), report_currency(currency))
    formatter(as_json).emit(view)


@text_of(LostView)
def _lost_text(view: LostView) -> str:
    result = view.report
    out = [report_heading("Lost deals by reason", view.since, view.owner), ""]
    if not result.rows:
        out.append("No lost deals.")
    else:
        rows = [
            [
                row.reason,
                number(len(row.deals)),
                row.amount.text(),
                _counts(row.stages),
                _counts(row.competitors),
            ]
            for row in result.rows
        ]
        rows.append(["total", number(result.count), result.amount.text(), "", ""])
        out.append(
            table(
                rows,
                ["REASON", "DEALS", "AMOUNT", "LOST AT", "COMPETITORS"],
                right=[1, 2],
                fit=[0, 3, 4],
            )
        )
    return "\n".join(out)


@click.command("competitors")
@since_option
@report_owner_option
@currency_option
@json_option
@as_of_option
def report_competitors(
    since: str | None, owner: str | None, currency: str | None, as_json: bool
) -> None:
    """Per competitor: the deals you met them in, won against them, lost to
    them and to others, your win rate, the amount lost to them, the reasons
    and notes given; with their competitors/<slug>.md card (strengths and
    weaknesses written by hand).

    \b
    Example:
      plaincrm report competitors --since 2026-01-01
    """
    store = get_app().store
    view = competitors_view(
        store, report_since(since), report_owner(owner), report_currency(currency)
    )
    formatter(as_json).emit(view)


@text_of(CompetitorsView)
def _competitors_text(view: CompetitorsView) -> str:
    rows = view.rows
    out = [report_heading("Competitors", view.since, view.owner)]
    if not rows:
        out += ["", "No competitors yet: name them with 'deal lose --competitor' or 'deal set'."]
    summary = [
        [
            row.name,
            number(len(row.met)),
            number(row.won),
            number(row.lost_to),
            number(row.lost_other),
            number(row.open),
            percent(row.win_rate),
            row.amount_lost.text() if row.amount_lost else "",
        ]
        for row in rows
    ]
    if summary:
        headers = ["COMPETITOR", "MET", "WON", "LOST TO", "LOST OTHER", "OPEN", "WIN RATE"]
        summary_table = table(
            summary, [*headers, "AMOUNT LOST"], right=[1, 2, 3, 4, 5, 6, 7], fit=[0]
        )
        out += ["", summary_table]
    for row in rows:
        out += _competitor_lines(view, row)
    return "\n".join(out)


def _competitor_lines(view: CompetitorsView, row: CompetitorRow) -> list[str]:
    """A competitor's section: why deals were lost to them, the notes, their card."""
    text = view.text_of(row)
    if not (row.reasons or row.notes or text):
        return []
    out = ["", style(row.name, bold=True) + (f"   ({row.card.path})" if row.card else "")]
    if row.reasons:
        out.append(f"  lost to them because: {_counts(row.reasons)}")
    for note in row.notes:
        if note["note"]:
            deal = view.deal_names.get(str(note["deal"]), str(note["deal"]))
            out.append(f"  {note['closed'] or '':10}  {deal}: {note['note']}")
    if text:
        out += ["", *("  " + line if line else "" for line in text.split("\n"))]
    return out


@click.command("stages")
@since_option
@report_owner_option
@json_option
@as_of_option
def report_stages(since: str | None, owner: str | None, as_json: bool) -> None:
    """Stage by stage, from the deals' logs: how many deals entered it, moved
    on to a later stage or won (the conversion), were lost there or are still
    there, and the average days a deal spent in it.

    \b
    Example:
      plaincrm report stages --since 2026-07-01
    """
    formatter(as_json).emit(stages_view(get_app().store, report_since(since), report_owner(owner)))


@text_of(StagesView)
def _stages_text(view: StagesView) -> str:
    result = view.report
    rows = [
        [
            row.stage,
            f"{row.probability}%",
            number(row.entered),
            number(row.moved_on),
            percent(row.conversion),
            number(row.lost),
            number(row.still),
            number(row.average_days, 1) if row.average_days is not None else "-",
        ]
        for row in result.rows
    ]
    headers = ["STAGE", "PROB", "ENTERED", "MOVED ON", "CONVERSION", "LOST", "NOW", "AVG DAYS"]
    out = [
        report_heading("Stage conversion", view.since, view.owner),
        "",
        table(rows, headers, right=[1, 2, 3, 4, 5, 6, 7]),
        "",
        f"Closed: {number(result.won)} won, {number(result.lost)} lost "
        f"(win rate {percent(result.win_rate)}).",
    ]
    return "\n".join(out)
