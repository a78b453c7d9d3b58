"""``plaincrm campaign add|audience|respond|list|show`` and ``report campaigns``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..clients.clients import client_names
from ..core.model import Kind, field_kinds, path_of, slug_of
from ..core.money import money
from ..core.query import WrappedAccessor
from ..core.records import record_notes
from ..core.text import number, percent, plural
from ..marketing.campaigns import (
    MAILING_COLUMNS,
    CampaignFigures,
    add_campaign,
    audience,
    campaign_figures,
    mailing_table,
    respond,
)
from ..sales.dealops import NewDeal
from .common import (
    as_of_option,
    build_query,
    date_arg,
    echo_created,
    get_app,
    json_option,
    owner_option,
    query_argument,
)
from .completion import complete_ref
from .output import echo_json, style, table
from .reports import report_heading, report_since, since_option

NOT_NOTES = ("responses", "tasks", "log")  # body sections shown on their own


@click.group()
def campaign() -> None:
    """Direct-marketing campaigns: an offer sent to the clients a saved query
    selects, one Markdown file each in campaigns/, with the responses it brought.

    \b
    Example:
      plaincrm campaign add "Winter grinder offer" --audience "+horeca city:Budapest" \\
          --channel email --cost 400 --start 2026-11-02 --end 2026-11-30
      plaincrm campaign audience winter --csv mailing.csv
      plaincrm campaign respond winter cafe-aurora --note "Wants two grinders" \\
          --deal "Two Mazzer grinders" --amount 3780
      plaincrm report campaigns
    """


@campaign.command("add")
@click.argument("name")
@click.option(
    "--audience",
    "audience_text",
    required=True,
    metavar="QUERY",
    help="Who gets it: a client query, e.g. '+wholesale city:Budapest'.",
)
@click.option("--channel", metavar="TEXT", help="email, mail, phone, event ...")
@click.option("--start", metavar="DATE", help="First day.")
@click.option("--end", metavar="DATE", help="Last day.")
@click.option("--budget", metavar="N", help="What may be spent.")
@click.option("--cost", metavar="N", help="What was spent (the base of ROI).")
@click.option("--currency", metavar="CODE", help="Of budget, cost, expected revenue.")
@click.option("--expected-revenue", metavar="N", help="The revenue it should bring.")
@owner_option("Who runs it (default: you).")
@click.option("--offer", metavar="TEXT", help="The offer, for the body ('-' reads stdin).")
def campaign_add(
    name: str,
    audience_text: str,
    channel: str | None,
    start: str | None,
    end: str | None,
    budget: str | None,
    cost: str | None,
    currency: str | None,
    expected_revenue: str | None,
    owner: str | None,
    offer: str | None,
) -> None:
    """Create a campaign whose audience is the client QUERY; print its reference.

    \b
    Example:
      plaincrm campaign add "Winter grinder offer" --audience "+horeca -vip" \\
          --channel email --budget 500 --cost 400 --expected-revenue 8000 \\
          --start 2026-11-02 --end 2026-11-30 --offer "10% off Mazzer grinders"
    """
    store = get_app().store
    path = add_campaign(
        store,
        name,
        audience_text=audience_text,
        channel=channel,
        start=date_arg(start),
        end=date_arg(end),
        budget=budget,
        cost=cost,
        currency=currency,
        expected_revenue=expected_revenue,
        owner=owner,
        offer=sys.stdin.read() if offer == "-" else offer,
    )
    size = len(audience(store, store.load(path)))
    echo_created(path, f"; its audience is {plural(size, 'client')} today.")


def _campaign_ref(func: Any) -> Any:
    return click.argument("name", metavar="NAME", shell_complete=complete_ref(["campaign"]))(func)


@campaign.command("audience")
@_campaign_ref
@click.option(
    "--csv",
    "csv_file",
    metavar="FILE",
    help="Write the mailing list as CSV to FILE ('-' for stdout).",
)
@click.option(
    "--excel",
    is_flag=True,
    help="CSV as Excel opens it by double-click: UTF-8 with a BOM, ';' between cells.",
)
@json_option
def campaign_audience(name: str, csv_file: str | None, excel: bool, as_json: bool) -> None:
    """The mailing list of campaign NAME: the clients its audience query selects
    today, with their contact details, ready for a mail merge or a mailing tool.
    Cells starting with = + - @ get a leading ' so no spreadsheet runs them.

    \b
    Example:
      plaincrm campaign audience winter
      plaincrm campaign audience winter --csv mailing.csv --excel
    """
    from ..formats.exporter import json_rows, save, write_csv

    store = get_app().store
    record = store.load(store.resolve(name, ["campaign"]))
    clients = audience(store, record)
    sheet = mailing_table(clients)
    if excel and csv_file is None:
        raise click.UsageError("--excel describes the --csv file: add --csv FILE")
    if csv_file is not None:
        data = write_csv(sheet, delimiter=";" if excel else ",", excel=excel)
        if csv_file == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            save(Path(csv_file), lambda tmp: tmp.write_bytes(data))
        channel = (record.get_text("channel") or "").lower()
        column = {"email": "email", "phone": "phone"}.get(channel, "")
        missing = sum(1 for row in json_rows(sheet) if column and not row.get(column))
        gap = f" ({missing} without {column})" if missing else ""
        where = "stdout" if csv_file == "-" else csv_file
        click.echo(f"Wrote {plural(len(clients), 'client')} to {where}{gap}.", err=True)
        return
    if as_json:
        echo_json(json_rows(sheet))
        return
    if not clients:
        click.echo(f"The audience '{record.get_text('audience')}' selects no clients today.")
        return
    shown = ["ref", "name", "contact", "email", "phone", "city"]
    index = [MAILING_COLUMNS.index(c) for c in shown]
    rows = [[str(row[i] or "") for i in index] for row in sheet.rows]
    click.echo(table(rows, [c.upper() for c in shown], fit=[1, 2, 5]))
    click.echo(f"{plural(len(clients), 'client')}: {record.get_text('audience')}", err=True)


@campaign.command("respond")
@_campaign_ref
@click.argument("client", shell_complete=complete_ref(["client"]))
@click.option("--note", metavar="TEXT", help="What the client said or wants.")
@click.option("--deal", "deal_title", metavar="TITLE", help="Open a deal TITLE from it.")
@click.option("--amount", metavar="N", help="The deal's amount.")
@click.option("--currency", metavar="CODE", help="The deal's currency.")
@click.option("--close", "close_date", metavar="DATE", help="The deal's expected close.")
@click.option("--date", "on", metavar="DATE", help="When the client responded (default: today).")
def campaign_respond(
    name: str,
    client: str,
    note: str | None,
    deal_title: str | None,
    amount: str | None,
    currency: str | None,
    close_date: str | None,
    on: str | None,
) -> None:
    """Record that CLIENT responded to campaign NAME: a line in the campaign's
    Responses, a completed task in the client's history and, with --deal, a
    deal whose source is the campaign.

    \b
    Example:
      plaincrm campaign respond winter cafe-aurora --note "Wants two grinders" \\
          --deal "Two Mazzer grinders" --amount 3780 --close +14d
    """
    store = get_app().store
    offer = None
    if deal_title is not None:
        offer = NewDeal(deal_title, amount, currency, date_arg(close_date))
    elif amount is not None or currency is not None or close_date is not None:
        raise click.UsageError("--amount, --currency and --close describe the --deal")
    done = respond(
        store,
        store.resolve(name, ["campaign"]),
        store.resolve(client, ["client"]),
        note=note,
        deal=offer,
        day=date_arg(on, past=True),
    )
    click.echo(f"Recorded the response of {done.response.client}.")
    if done.deal:
        click.echo(f"Opened {done.deal}.")
    if done.in_audience is False:
        click.echo("note: the client is not in the campaign's audience today", err=True)


# ---------------------------------------------------------------- list and show


CAMPAIGN_KINDS: dict[str, Kind] = {
    "status": Kind("text"),
    "responses": Kind("integer"),
    "deals": Kind("integer"),
}


# Reads ``CampaignFigures`` for queries: the front matter, plus ``status``
# (planned, running, ended), ``responses`` and ``deals`` (counts).
CAMPAIGN_ACCESSOR = WrappedAccessor(
    {
        "status": lambda c: c.status,
        "responses": lambda c: c.responders,
        "deals": lambda c: len(c.deals),
    }
)


@campaign.command("list")
@query_argument
@json_option
def campaign_list(query: tuple[str, ...], as_json: bool) -> None:
    """List campaigns, newest first, filtered by a QUERY (see README 'Queries').
    Besides the front matter fields a query can test status (planned, running,
    ended), responses and deals (counts).

    \b
    Example:
      plaincrm campaign list status:running
      plaincrm campaign list channel:email start.after:2026-01-01 --json
    """
    app = get_app()
    store = app.store
    parsed = build_query(app, query, {**field_kinds("campaign"), **CAMPAIGN_KINDS})
    records = sorted(
        store.records("campaign"), key=lambda r: (r.get_date("start") or "", r.slug), reverse=True
    )
    items = campaign_figures(store, records, count_audience=False)
    found = parsed.apply(items, CAMPAIGN_ACCESSOR)
    if as_json:
        echo_json([_list_json(item) for item in found])
        return
    if not found:
        click.echo("No campaigns match." if query else "No campaigns yet.")
        return
    rows = [
        [
            item.ref,
            item.record.title,
            item.record.get_text("channel") or "",
            item.record.get_date("start") or "",
            item.record.get_date("end") or "",
            item.status,
            number(item.responders),
            number(len(item.deals)),
            money(item.cost, item.currency),
        ]
        for item in found
    ]
    headers = ["REF", "NAME", "CHANNEL", "START", "END", "STATUS", "RESP", "DEALS", "COST"]
    click.echo(table(rows, headers, right=[6, 7, 8], fit=[1, 2]))


def _list_json(item: CampaignFigures) -> dict[str, Any]:
    data = item.as_json()
    for key in ("audience", "response_rate"):  # not counted by list: see show or the report
        data.pop(key)
    return data


@campaign.command("show")
@_campaign_ref
@json_option
def campaign_show(name: str, as_json: bool) -> None:
    """Show campaign NAME: details, offer, audience size, responses, deals and ROI.

    \b
    Example:
      plaincrm campaign show winter
    """
    store = get_app().store
    path = store.resolve(name, ["campaign"])
    record = store.load(path)
    store.warn_tasks((path, task) for task in record.tasks)
    item = campaign_figures(store, [record])[0]
    notes = record_notes(store.read_text(path), record, NOT_NOTES)
    if as_json:
        data = item.as_json()
        data.update(offer=notes, tasks=[task.as_row() for task in record.tasks])
        echo_json(data)
        return
    names = client_names(store, (r.client for r in item.responses))
    deals = store.titles(path_of("deal", r.deal) for r in item.responses if r.deal)
    click.echo(_render(item, notes, names, {slug_of(p): title for p, title in deals.items()}))


def _render(item: CampaignFigures, notes: str, names: dict[str, str], deals: dict[str, str]) -> str:
    """``campaign show``: ``names`` are the names of the responding clients, ``deals``
    the titles of the deals opened from responses, by slug."""
    record = item.record
    lines = [style(record.title, bold=True) + f"   ({record.path})"]
    rows = [
        ["status", item.status],
        ["channel", record.get_text("channel") or ""],
        ["audience", f"{record.get_text('audience')}  ({_count(item.audience)} clients today)"],
        ["start", record.get_date("start") or ""],
        ["end", record.get_date("end") or ""],
        ["owner", record.owner or ""],
        ["budget", money(record.get_number("budget"), item.currency)],
        ["cost", money(item.cost, item.currency)],
        ["expected revenue", money(record.get_number("expected_revenue"), item.currency)],
    ]
    lines.append(table([r for r in rows if r[1]], indent="  ", fit=[1]))
    if notes:
        lines += [
            "",
            style("Offer", bold=True),
            *("  " + n if n else "" for n in notes.split("\n")),
        ]
    lines += ["", style("Results", bold=True), table(_figure_rows(item), indent="  ")]
    lines += ["", style("Responses", bold=True)]
    if not item.responses:
        lines.append(f"  none yet: record one with 'plaincrm campaign respond {item.ref} CLIENT'")
    for response in item.responses:
        who = names.get(response.client, response.client)
        deal = f"  -> deal {deals.get(response.deal, response.deal)}" if response.deal else ""
        note = f": {response.note}" if response.note else ""
        lines.append(f"  {response.date}  {who}{note}{deal}")
    return "\n".join(lines)


def _count(value: int | None) -> str:
    return "?" if value is None else number(value)


def roi_text(item: CampaignFigures) -> str:
    """ROI in percent with one decimal (``-`` when it cannot be worked out)."""
    return percent(item.roi * 100) if item.roi is not None else "-"


def _figure_rows(item: CampaignFigures) -> list[list[str]]:
    """The results of a campaign as label/value rows."""
    rate = f" ({percent(item.response_rate)})" if item.response_rate is not None else ""
    revenue = item.revenue()
    roi = roi_text(item) if item.roi is not None else (item.note or "n/a (no cost)")
    return [
        ["responses", f"{item.responders} of {_count(item.audience)}{rate}"],
        ["deals opened", number(len(item.deals))],
        ["deals won", number(len(item.won_deals))],
        ["won revenue", money(revenue, item.currency) if revenue is not None else item.won.text()],
        ["cost per response", money(item.cost_per_response, item.currency) or "n/a"],
        ["ROI", roi],
    ]


# ---------------------------------------------------------------- report campaigns


@click.command("campaigns")
@since_option
@json_option
@as_of_option
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
    out = [report_heading("Campaigns", day, None), ""]
    if not items:
        out.append("No campaigns.")
        click.echo("\n".join(out))
        return
    rows = []
    for item in items:
        revenue = item.revenue()
        rows.append(
            [
                item.title,
                _count(item.audience),
                number(item.responders),
                percent(item.response_rate),
                number(len(item.deals)),
                number(len(item.won_deals)),
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
    out.append(table(rows, headers, right=list(range(1, 10)), fit=[0]))
    notes = [f"{item.title}: {item.note}" for item in items if item.note]
    out += ["", *notes] if notes else []
    click.echo("\n".join(out))
