"""``plaincrm report service`` and ``plaincrm report campaigns``."""

from __future__ import annotations

import click

from ..amounts import money
from ..campaigns import campaign_figures
from ..output import echo_json, style, table
from ..service_report import minutes_text, service_report
from ..sla import STATUSES
from .campaigns import roi_text
from .common import get_app, json_option
from .reports import _heading, report_owner, report_owner_option, report_since, since_option

# ---------------------------------------------------------------- report service


@click.command("service")
@since_option
@report_owner_option
@json_option
def report_service(since: str | None, owner: str | None, as_json: bool) -> None:
    """Service: tickets by kind and status, median first-response and resolution
    times (working hours, waiting on the client left out), SLA breaches by
    priority, and the upsell funnel: tickets closed with an offer -> deals ->
    won revenue.  --since counts the tickets opened on or after DATE.

    \b
    Example:
      plaincrm report service --since 2026-10-01
      plaincrm report service --owner anna --json
    """
    store = get_app().store
    result = service_report(store, report_since(since), report_owner(owner))
    if as_json:
        echo_json(result.as_json())
        return
    out = [_heading("Service", result.since, result.owner), ""]
    if not result.tickets:
        out.append("No tickets.")
        click.echo("\n".join(out))
        return
    shown = [s for s in STATUSES if any(row.get(s) for row in result.by_kind.values())]
    rows = [
        [kind, *(str(counts.get(s, 0)) for s in shown), str(sum(counts.values()))]
        for kind, counts in result.by_kind.items()
    ]
    totals = [sum(c.get(s, 0) for c in result.by_kind.values()) for s in shown]
    rows.append(["total", *(str(n) for n in totals), str(len(result.tickets))])
    right = list(range(1, len(shown) + 2))
    out.append(table(rows, ["KIND", *(s.upper() for s in shown), "TOTAL"], right=right))
    out += [
        "",
        f"Median first response: {minutes_text(result.median_response)} "
        f"({len(result.response_minutes)} answered)",
        f"Median resolution:     {minutes_text(result.median_resolution)} "
        f"({len(result.resolution_minutes)} resolved)",
        "(working hours; time waiting on the client not counted)",
        "",
        style("SLA by priority", bold=True),
    ]
    rows = [
        [
            row.priority,
            str(row.tickets),
            f"{row.response_breached}",
            f"{row.resolution_breached}",
        ]
        for row in result.priorities
    ]
    out.append(
        table(
            rows,
            ["PRIORITY", "TICKETS", "RESPONSE BREACHED", "RESOLUTION BREACHED"],
            right=[1, 2, 3],
        )
    )
    funnel = result.upsell
    out += [
        "",
        style("Upsell", bold=True),
        f"  {funnel.closed} closed ticket(s) -> {funnel.with_offer} closed with an offer -> "
        f"{len(funnel.deals)} deal(s): {funnel.count('won')} won, {funnel.count('open')} open, "
        f"{funnel.count('lost')} lost",
        f"  won revenue: {funnel.won.text()}"
        + (f"; still open: {funnel.open_amount.text()}" if funnel.open_amount else ""),
    ]
    click.echo("\n".join(out))


# ---------------------------------------------------------------- report campaigns


@click.command("campaigns")
@since_option
@json_option
def report_campaigns(since: str | None, as_json: bool) -> None:
    """Per campaign: audience size (today), responses and response rate, deals
    opened and won (through their source: campaigns/<slug>), won revenue,
    cost, cost per response and ROI = (won revenue - cost) / cost.
    --since keeps the campaigns that started (or, without a start, ended) on
    or after DATE.

    \b
    Example:
      plaincrm report campaigns
      plaincrm report campaigns --since 2026-01-01 --json
    """
    store = get_app().store
    day = report_since(since)
    records = [
        r
        for r in store.records("campaign")
        if day is None or (r.get_date("start") or r.get_date("end") or "9999") >= day.isoformat()
    ]
    records.sort(key=lambda r: (r.get_date("start") or "", r.slug), reverse=True)
    items = campaign_figures(store, records)
    if as_json:
        echo_json(
            {"since": day.isoformat() if day else None, "campaigns": [i.as_json() for i in items]}
        )
        return
    out = [_heading("Campaigns", day, None), ""]
    if not items:
        out.append("No campaigns.")
        click.echo("\n".join(out))
        return
    rows = []
    for item in items:
        revenue = item.revenue()
        rows.append(
            [
                item.ref,
                str(item.audience if item.audience is not None else "?"),
                str(item.responders),
                f"{item.response_rate}%" if item.response_rate is not None else "-",
                str(len(item.deals)),
                str(len(item.won_deals)),
                money(revenue, item.currency) if revenue is not None else item.won.text(),
                money(item.cost, item.currency) or "-",
                money(item.cost_per_response, item.currency) or "-",
                roi_text(item),
            ]
        )
    headers = [
        "CAMPAIGN", "AUDIENCE", "RESP", "RATE", "DEALS", "WON", "REVENUE", "COST",
        "COST/RESP", "ROI",
    ]  # fmt: skip
    out.append(table(rows, headers, right=list(range(1, 10))))
    notes = [f"{item.ref}: {item.note}" for item in items if item.note]
    out += ["", *notes] if notes else []
    click.echo("\n".join(out))
